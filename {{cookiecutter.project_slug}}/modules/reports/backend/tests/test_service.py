import pytest

from reports.backend.schemas import JobMessage, JobState, ReportRequest
from reports.backend.service import JOBS, summarise
from stack.libs.jobs import JobService
from stack.libs.jobs.memory import InMemoryJobQueue, InMemoryJobStore


def test_summarise_numbers() -> None:
    summary = summarise([3, 1, 2])
    assert (summary.count, summary.total, summary.mean, summary.minimum, summary.maximum) == (3, 6, 2, 1, 3)


def test_summarise_rejects_empty_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        summarise([])


def test_a_sum_past_the_largest_float_fails_the_job_at_once() -> None:
    jobs = JobService(JOBS, InMemoryJobQueue(), InMemoryJobStore(), hmac_key="k")
    job = jobs.submit(ReportRequest(title="huge", values=[1e308, 1e308]))
    (message,) = jobs.queue.messages  # type: ignore[attr-defined]
    failed = jobs.process(message)
    assert (failed.state, failed.error) == (JobState.FAILED, "the values add up to more than a float can hold")
    assert jobs.get(job.job_id) == failed


def test_the_message_carries_the_request() -> None:
    request = ReportRequest(title="q1", values=[1, 2])
    message = JOBS.message_model(job_id="a" * 32, request=request)
    assert JobMessage[ReportRequest].model_validate_json(message.model_dump_json()).request == request
