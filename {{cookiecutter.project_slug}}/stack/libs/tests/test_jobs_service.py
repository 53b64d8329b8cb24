from dataclasses import replace

import pytest

from stack.libs.jobs import IdempotencyKeyReused, JobNotFound, JobNotQueued, JobService, JobState
from stack.libs.tests.conftest import COUNT, Count, MemoryJobs, Text


def test_submit_stores_then_queues_with_the_stored_version(memory_jobs: MemoryJobs) -> None:
    job = memory_jobs.submit(Text(text="two words"))
    (message,) = memory_jobs.queue.messages
    assert memory_jobs.get(job.job_id).state is JobState.QUEUED
    assert (message.job_id, message.request, message.version) == (job.job_id, Text(text="two words"), "v1")


def test_processing_twice_stores_the_outcome_once(memory_jobs: MemoryJobs) -> None:
    memory_jobs.submit(Text(text="a b c"))
    (message,) = memory_jobs.queue.messages
    result = memory_jobs.process(message).result
    assert result is not None and result.words == 3
    memory_jobs.process(message)  # a redelivery
    assert memory_jobs.store.writes == 2  # the queued record, one outcome


def test_a_failure_after_the_outcome_keeps_the_outcome(memory_jobs: MemoryJobs) -> None:
    job = memory_jobs.submit(Text(text="a"))
    (message,) = memory_jobs.queue.messages
    memory_jobs.process(message)
    memory_jobs.fail(message, "late")
    assert memory_jobs.get(job.job_id).state is JobState.DONE


def test_refused_work_fails_the_job_at_once(memory_jobs: MemoryJobs) -> None:
    job = memory_jobs.submit(Text(text="refuse"))
    memory_jobs.process(memory_jobs.queue.messages[0])
    assert (memory_jobs.get(job.job_id).state, memory_jobs.get(job.job_id).error) == (
        JobState.FAILED,
        "refused by the rules",
    )


def test_other_errors_propagate_for_a_retry(memory_jobs: MemoryJobs) -> None:
    memory_jobs.submit(Text(text="explode"))
    with pytest.raises(ConnectionError):
        memory_jobs.process(memory_jobs.queue.messages[0])


def test_same_key_same_job_and_one_message(memory_jobs: MemoryJobs) -> None:
    first = memory_jobs.submit(Text(text="x"), idempotency_key="k")
    memory_jobs.process(memory_jobs.queue.messages.pop())
    again = memory_jobs.submit(Text(text="x"), idempotency_key="k")
    assert again.job_id == first.job_id and again.state is JobState.DONE
    assert memory_jobs.queue.messages == []


def test_same_key_other_request_is_refused(memory_jobs: MemoryJobs) -> None:
    memory_jobs.submit(Text(text="x"), idempotency_key="k")
    with pytest.raises(IdempotencyKeyReused):
        memory_jobs.submit(Text(text="y"), idempotency_key="k")


def test_send_fails_with_a_key_then_the_retry_queues_it(memory_jobs: MemoryJobs) -> None:
    memory_jobs.queue.reachable = False
    with pytest.raises(JobNotQueued):
        memory_jobs.submit(Text(text="x"), idempotency_key="k")
    assert memory_jobs.queue.messages == []
    memory_jobs.queue.reachable = True
    job = memory_jobs.submit(Text(text="x"), idempotency_key="k")
    (message,) = memory_jobs.queue.messages
    assert message.job_id == job.job_id and job.state is JobState.QUEUED


def test_send_fails_without_a_key_the_job_reads_failed(memory_jobs: MemoryJobs) -> None:
    memory_jobs.queue.reachable = False
    with pytest.raises(JobNotQueued):
        memory_jobs.submit(Text(text="x"))
    (stored,) = memory_jobs.store.jobs.values()
    assert stored.job.state is JobState.FAILED


def test_key_ids_are_a_keyed_hash(memory_jobs: MemoryJobs) -> None:
    other = JobService(memory_jobs.kind, memory_jobs.queue, memory_jobs.store, hmac_key="another-deployment")
    assert memory_jobs.job_id_for_key("k") != other.job_id_for_key("k")
    assert len(memory_jobs.job_id_for_key("k")) == 32


def test_unknown_and_malformed_ids(memory_jobs: MemoryJobs) -> None:
    for job_id in ("a" * 32, "../etc/passwd", ""):
        with pytest.raises(JobNotFound):
            memory_jobs.get(job_id)


def test_keyed_work_gets_the_job_id(memory_jobs: MemoryJobs) -> None:
    seen: list[str] = []

    def keyed(job_id: str, request: Text) -> Count:
        seen.append(job_id)
        return Count(words=len(request.text.split()))

    jobs = MemoryJobs(replace(COUNT, keyed_work=keyed), memory_jobs.queue, memory_jobs.store, hmac_key="k")
    job = jobs.submit(Text(text="a b"))
    assert jobs.process(jobs.queue.messages[0]).result == Count(words=2)
    assert seen == [job.job_id]
