from [[ cookiecutter.service_name ]].backend.schemas import JobState, TaskRequest
from [[ cookiecutter.service_name ]].backend.service import JOBS, count_words
from stack.libs.jobs import JobService
from stack.libs.jobs.memory import InMemoryJobQueue, InMemoryJobStore


def test_count_words() -> None:
    result = count_words(TaskRequest(text="two words"))
    assert (result.words, result.characters) == (2, 9)


def test_a_task_is_queued_then_done() -> None:
    queue = InMemoryJobQueue()
    jobs = JobService(JOBS, queue, InMemoryJobStore(), hmac_key="k")
    job = jobs.submit(TaskRequest(text="a b c"))
    assert jobs.get(job.job_id).state is JobState.QUEUED
    done = jobs.process(queue.messages[0])
    assert done.state is JobState.DONE and done.result is not None and done.result.words == 3
