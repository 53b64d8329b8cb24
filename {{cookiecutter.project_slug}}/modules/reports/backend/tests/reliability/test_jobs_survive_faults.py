"""No job is lost or done twice when the worker crashes, is stopped, or a job keeps failing.

Real processes on loopback: the moto server, the API server and worker processes.
"""

import json
import signal

import httpx
import pytest

from reports.backend.local.load import wait_for_jobs
from reports.backend.local.runtime import LocalReports, log_lines
from reports.backend.tests.reliability.support import (
    MAX_RECEIVES,
    SCRIPTED_WORKER,
    queue_depth,
    stored_versions,
    submit,
)
from stack.local.processes import ManagedProcess, wait_until

pytestmark = pytest.mark.reliability


def messages(process: ManagedProcess, message: str) -> list[dict]:
    return [line for line in log_lines(process) if line.get("message") == message]


def assert_each_job_stored_once(deployment: LocalReports, job_ids: list[str]) -> None:
    # One write when the API queued the job, one when the worker stored its outcome: a
    # job processed twice would have a third.
    assert stored_versions(deployment) == {job_id: 2 for job_id in job_ids}


def test_end_to_end_every_job_completes_and_is_readable(deployment: LocalReports) -> None:
    api = deployment.start_api()
    worker = deployment.start_worker()
    count = 30
    with httpx.Client(base_url=api.url, timeout=10) as http:
        job_ids = [submit(http, f"e2e {i}", [i, i + 1], request_id=f"e2e-{i}") for i in range(count)]
    final = wait_for_jobs(api.url, job_ids, timeout=60)
    # A result is readable just before its message is deleted: wait for the last delete.
    wait_until(lambda: len(messages(worker, "message deleted")) >= count, timeout=10, what="the last delete")

    assert [final[job_id]["state"] for job_id in job_ids] == ["done"] * count
    assert [final[job_id]["result"]["total"] for job_id in job_ids] == [2 * i + 1 for i in range(count)]
    assert_each_job_stored_once(deployment, job_ids)
    assert deployment.resources is not None
    assert queue_depth(deployment, deployment.resources.queue_url) == 0
    # Each job's worker log lines carry the id of the API request that submitted it.
    deleted = messages(worker, "message deleted")
    assert {line["request_id"] for line in deleted} == {f"e2e-{i}" for i in range(count)}
    assert {line["job_id"] for line in deleted} == set(job_ids)


def test_worker_killed_mid_job_loses_nothing_and_stores_nothing_twice(deployment: LocalReports) -> None:
    api = deployment.start_api()
    first = deployment.start_worker("worker-1", module=SCRIPTED_WORKER)
    count = 8
    with httpx.Client(base_url=api.url, timeout=10) as http:
        job_ids = [submit(http, f"slow:0.4 job {i}", [i]) for i in range(count)]

    # Once the first result is stored the next job is in progress: kill the worker then.
    wait_until(lambda: messages(first, "message deleted"), timeout=30, what="the first job to finish")
    first.kill()
    finished_before_kill = len(messages(first, "job done, result stored"))
    assert finished_before_kill < count, "the worker finished everything before it was killed"

    second = deployment.start_worker("worker-2", module=SCRIPTED_WORKER)
    final = wait_for_jobs(api.url, job_ids, timeout=60)

    assert [final[job_id]["state"] for job_id in job_ids] == ["done"] * count
    assert_each_job_stored_once(deployment, job_ids)
    # The killed worker's messages came back once their visibility timed out.
    assert any(line["receive_count"] >= 2 for line in messages(second, "job received"))


def test_sigterm_finishes_the_job_in_progress_and_loses_nothing(deployment: LocalReports) -> None:
    api = deployment.start_api()
    worker = deployment.start_worker(module=SCRIPTED_WORKER)
    count = 6
    with httpx.Client(base_url=api.url, timeout=10) as http:
        job_ids = [submit(http, f"slow:0.5 job {i}", [i]) for i in range(count)]

    wait_until(lambda: messages(worker, "job received"), timeout=30, what="the worker to start a job")
    worker.signal(signal.SIGTERM)
    # The bound: one long poll (1 s) and one job (0.5 s), far below the 15 s hard stop.
    assert worker.wait(timeout=20) == 0

    received = {line["job_id"] for line in messages(worker, "job received")}
    deleted = {line["job_id"] for line in messages(worker, "message deleted")}
    assert received and received == deleted, "a job the worker had started was left unfinished"
    assert messages(worker, "worker stopped")

    deployment.start_worker("worker-2", module=SCRIPTED_WORKER)
    final = wait_for_jobs(api.url, job_ids, timeout=60)
    assert [final[job_id]["state"] for job_id in job_ids] == ["done"] * count
    assert_each_job_stored_once(deployment, job_ids)


def test_a_job_that_always_fails_is_reported_failed_and_dead_lettered(deployment: LocalReports) -> None:
    api = deployment.start_api()
    worker = deployment.start_worker(module=SCRIPTED_WORKER)
    with httpx.Client(base_url=api.url, timeout=10) as http:
        poison = submit(http, "always-fail report", [1])
        healthy = submit(http, "healthy report", [2, 3])
        final = wait_for_jobs(api.url, [poison, healthy], timeout=60)

        assert final[healthy]["state"] == "done"
        failed = http.get(f"/reports/{poison}")
    assert failed.status_code == 200
    assert failed.json()["state"] == "failed"
    assert failed.json()["error"] == (
        f"gave up after {MAX_RECEIVES} attempts: ConnectionError: scripted failure: the store is unreachable"
    )
    assert len(messages(worker, "job attempt failed")) == MAX_RECEIVES

    assert deployment.resources is not None
    dead_letters = deployment.resources.dead_letter_queue_url
    wait_until(lambda: queue_depth(deployment, dead_letters) == 1, timeout=30, what="the message in the DLQ")
    (dead,) = deployment.emulator.client("sqs").receive_message(QueueUrl=dead_letters)["Messages"]
    assert json.loads(dead["Body"])["job_id"] == poison
    assert queue_depth(deployment, deployment.resources.queue_url) == 0
    assert worker.running()
