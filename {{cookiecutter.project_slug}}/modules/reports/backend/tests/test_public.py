import pytest
from fastapi.testclient import TestClient

from reports.backend.public import JobState, ReportNotFound, ReportsClient


def test_public_client_submits_and_reads(client: TestClient, jobs, queue) -> None:
    reports = ReportsClient(http=client)

    job = reports.submit("sales", [2, 4], idempotency_key="once")
    assert job.state is JobState.QUEUED
    assert reports.submit("sales", [2, 4], idempotency_key="once").job_id == job.job_id

    jobs.process(queue.messages[0])
    done = reports.get(job.job_id)
    assert done.state is JobState.DONE
    assert done.result is not None and done.result.mean == 3


def test_public_client_raises_for_unknown_job(client: TestClient) -> None:
    with pytest.raises(ReportNotFound):
        ReportsClient(http=client).get("0" * 32)


def test_public_client_validates_before_sending(client: TestClient, queue) -> None:
    with pytest.raises(ValueError):
        ReportsClient(http=client).submit("", [1])
    assert queue.messages == []
