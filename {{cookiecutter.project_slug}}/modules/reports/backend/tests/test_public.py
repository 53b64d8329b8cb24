import boto3
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws

from reports.backend.api.app import create_app
from reports.backend.api.dependencies import get_jobs
from reports.backend.public import JobState, ReportNotFound, ReportRequest, ReportsClient, ReportsPublisher
from reports.backend.service import JOBS
from stack.libs.jobs import JobService
from stack.libs.jobs.memory import InMemoryJobQueue, InMemoryJobStore


def test_client_round_trip() -> None:
    jobs = JobService(JOBS, InMemoryJobQueue(), InMemoryJobStore(), hmac_key="k")
    app = create_app()
    app.dependency_overrides[get_jobs] = lambda: jobs
    with TestClient(app) as http:
        client = ReportsClient(http=http)
        job = client.submit(ReportRequest(title="q", values=[1, 2]), idempotency_key="k")
        assert client.submit(ReportRequest(title="q", values=[1, 2]), idempotency_key="k").job_id == job.job_id
        jobs.process(jobs.queue.messages[0])  # type: ignore[attr-defined]
        done = client.get(job.job_id)
        assert done.state is JobState.DONE and done.result is not None and done.result.total == 3
        with pytest.raises(ReportNotFound):
            client.get("f" * 32)


@mock_aws
def test_publisher_queues_a_job_the_worker_reads() -> None:
    sqs = boto3.client("sqs", region_name="eu-west-1")
    queue_url = sqs.create_queue(QueueName="reports-jobs")["QueueUrl"]
    job_id = ReportsPublisher(sqs, queue_url).publish(ReportRequest(title="from elsewhere", values=[4]))
    (message,) = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    parsed = JOBS.message_model.model_validate_json(message["Body"])
    assert (parsed.job_id, parsed.request.title, parsed.version) == (job_id, "from elsewhere", None)
