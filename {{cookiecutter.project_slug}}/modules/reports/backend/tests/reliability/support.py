"""Helpers of the reliability tests."""

import httpx

from reports.backend.local.runtime import LocalReports

SCRIPTED_WORKER = "reports.backend.tests.reliability.scripted_worker"

# Short waits so faults play out in seconds: a 1 s long poll, a 3 s visibility timeout
# (what a killed worker's messages wait before redelivery), immediate retries.
FAST_SETTINGS = {
    "REPORTS_RECEIVE_WAIT_SECONDS": "1",
    "REPORTS_VISIBILITY_TIMEOUT_SECONDS": "3",
    "REPORTS_RETRY_DELAY_SECONDS": "0",
    "REPORTS_SHUTDOWN_TIMEOUT_SECONDS": "15",
}
MAX_RECEIVES = 3


def submit(http: httpx.Client, title: str, values: list[float], request_id: str | None = None) -> str:
    headers = {"X-Request-ID": request_id} if request_id else {}
    response = http.post("/reports", json={"title": title, "values": values}, headers=headers)
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def stored_versions(deployment: LocalReports) -> dict[str, int]:
    """How many times each job record was written (the bucket keeps every version)."""
    assert deployment.resources is not None
    s3 = deployment.emulator.client("s3")
    counts: dict[str, int] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=deployment.resources.bucket_name):
        for version in page.get("Versions", []):
            job_id = version["Key"].removeprefix("jobs/").removesuffix(".json")
            counts[job_id] = counts.get(job_id, 0) + 1
    return counts


def queue_depth(deployment: LocalReports, queue_url: str) -> int:
    attributes = deployment.emulator.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])
