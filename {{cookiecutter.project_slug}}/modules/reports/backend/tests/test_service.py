import pytest

from reports.backend.schemas import JobMessage, JobState, ReportRequest
from reports.backend.service import JobNotFound, ReportJobs, summarise


def test_summarise_numbers() -> None:
    summary = summarise([3, 1, 2])
    assert (summary.count, summary.total, summary.mean, summary.minimum, summary.maximum) == (3, 6, 2, 1, 3)


def test_summarise_rejects_empty_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        summarise([])


def test_submit_stores_then_queues(jobs: ReportJobs, queue, store) -> None:
    job = jobs.submit(ReportRequest(title="q1", values=[1, 2]))

    assert job.state is JobState.QUEUED
    assert store.jobs[job.job_id] == job
    assert queue.messages == [JobMessage(job_id=job.job_id, request=ReportRequest(title="q1", values=[1, 2]))]


def test_same_idempotency_key_gives_same_job_and_one_message(jobs: ReportJobs, queue) -> None:
    request = ReportRequest(title="q1", values=[1])
    first = jobs.submit(request, idempotency_key="abc")
    again = jobs.submit(request, idempotency_key="abc")
    other = jobs.submit(request, idempotency_key="xyz")

    assert first.job_id == again.job_id != other.job_id
    assert len(queue.messages) == 2


def test_process_stores_result_and_repeats_are_harmless(jobs: ReportJobs, queue, store) -> None:
    job = jobs.submit(ReportRequest(title="q1", values=[4, 6]))
    (message,) = queue.messages

    done = jobs.process(message)
    saves = store.saves
    again = jobs.process(message)

    assert done.state is JobState.DONE and done.result is not None and done.result.mean == 5
    assert again == done
    assert store.saves == saves  # the duplicate delivery wrote nothing
    assert jobs.get(job.job_id) == done


def test_failed_job_keeps_reason(jobs: ReportJobs, queue) -> None:
    jobs.submit(ReportRequest(title="q1", values=[1]))
    failed = jobs.fail(queue.messages[0], "poison")
    assert failed.state is JobState.FAILED and failed.error == "poison"
    assert jobs.process(queue.messages[0]).state is JobState.FAILED


def test_unknown_job(jobs: ReportJobs) -> None:
    with pytest.raises(JobNotFound):
        jobs.get("0" * 32)


def test_refused_input_fails_the_job_instead_of_raising(jobs: ReportJobs, queue) -> None:
    job = jobs.submit(ReportRequest(title="q1", values=[1e308, 1e308]))
    failed = jobs.process(queue.messages[0])
    assert failed.state is JobState.FAILED
    assert failed.error == "the values add up to more than a float can hold"
    assert jobs.get(job.job_id) == failed


def test_fail_keeps_a_finished_result(jobs: ReportJobs, queue) -> None:
    jobs.submit(ReportRequest(title="q1", values=[1]))
    done = jobs.process(queue.messages[0])
    assert jobs.fail(queue.messages[0], "late failure") == done
    assert jobs.get(done.job_id).state is JobState.DONE


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_requests_refuse_non_finite_numbers(value: float) -> None:
    with pytest.raises(ValueError, match="finite number"):
        ReportRequest(title="q1", values=[1, value])
