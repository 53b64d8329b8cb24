import io
import json
import threading
from typing import Any

import pytest

from stack.libs.jobs import JobState
from stack.libs.jobs.aws import max_receives
from stack.libs.jobs.handler import JobHandler
from stack.libs.json_logging import configure_logging, request_id
from stack.libs.queue_worker import QueueUnreachable, QueueWorker
from stack.libs.tests.conftest import AwsJobs, Text


class CountingSqs:
    """The moto SQS client, counting calls by operation."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._sqs, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return method(*args, **kwargs)

        return counted


def worker(aws: AwsJobs, sqs: Any = None, **options: Any) -> QueueWorker:
    sqs = sqs or aws.sqs
    return QueueWorker(
        sqs, aws.queue_url, JobHandler(aws.jobs), wait_seconds=0, retry_delay=0,
        max_receives=max_receives(aws.sqs, aws.queue_url), **options,
    )  # fmt: skip


def test_a_batch_is_stored_and_deleted_in_one_call(aws: AwsJobs) -> None:
    submitted = [aws.jobs.submit(Text(text=f"job {i}")) for i in range(3)]
    sqs = CountingSqs(aws.sqs)
    done = 0
    for _ in range(5):  # bounded: moto may return fewer messages than asked for
        done += worker(aws, sqs).run_once()
        if done == 3:
            break
    assert done == 3
    assert all(aws.jobs.get(job.job_id).state is JobState.DONE for job in submitted)
    assert aws.depth(aws.queue_url) == 0
    assert sqs.calls.get("delete_message", 0) == 0
    assert sqs.calls["delete_message_batch"] == sqs.calls["receive_message"]


def test_the_last_delivery_marks_the_job_failed_and_leaves_the_message_for_the_dlq(aws: AwsJobs) -> None:
    job = aws.jobs.submit(Text(text="explode"))
    consumer = worker(aws)
    assert consumer.max_receives == 2
    for _ in range(2):
        assert consumer.run_once() == 0
    failed = aws.jobs.get(job.job_id)
    assert failed.state is JobState.FAILED
    assert failed.error == "gave up after 2 attempts: ConnectionError: the store is unreachable"
    consumer.run_once()  # moto moves the message on its next receive
    assert aws.depth(aws.dead_letter_url) == 1


def test_an_unreadable_message_is_not_deleted(aws: AwsJobs) -> None:
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody="not json")
    assert worker(aws).run_once() == 0
    assert aws.depth(aws.queue_url) == 1


def test_stop_finishes_the_message_in_hand_and_hands_back_the_rest(aws: AwsJobs) -> None:
    submitted = [aws.jobs.submit(Text(text=f"job {i}")) for i in range(3)]
    stop = threading.Event()

    class StopAfterFirst(JobHandler):
        def handle(self, message: Any) -> Any:
            outcome = super().handle(message)
            stop.set()  # a SIGTERM arriving while the first job runs
            return outcome

    consumer = QueueWorker(aws.sqs, aws.queue_url, StopAfterFirst(aws.jobs), wait_seconds=0)
    assert consumer.run_once(stop) == 1
    assert [aws.jobs.get(job.job_id).state for job in submitted].count(JobState.DONE) == 1
    visible = aws.sqs.get_queue_attributes(QueueUrl=aws.queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert visible["Attributes"]["ApproximateNumberOfMessages"] == "2"


def test_visibility_is_extended_while_a_message_is_worked(aws: AwsJobs) -> None:
    aws.jobs.submit(Text(text="slow"))
    sqs = CountingSqs(aws.sqs)
    release = threading.Event()

    class Slow(JobHandler):
        def handle(self, message: Any) -> Any:
            release.wait(1.5)  # several extension intervals of a 1 s timeout
            return super().handle(message)

    consumer = QueueWorker(sqs, aws.queue_url, Slow(aws.jobs), wait_seconds=0, visibility_timeout=1)
    assert consumer.run_once() == 1
    assert sqs.calls["change_message_visibility_batch"] >= 2


class FlakySqs(CountingSqs):
    """Fails every receive until ``failures`` ran out."""

    def __init__(self, sqs: Any, failures: int) -> None:
        super().__init__(sqs)
        self.failures = failures

    def receive_message(self, **kwargs: Any) -> Any:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("throttled")
        return self._sqs.receive_message(**kwargs)


def test_transient_receive_errors_back_off_then_recover(aws: AwsJobs) -> None:
    job = aws.jobs.submit(Text(text="after the blip"))
    stop = threading.Event()
    waits: list[float] = []

    class RecordingStop(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waits.append(timeout or 0)
            if aws.jobs.get(job.job_id).state is JobState.DONE:
                stop.set()
            return stop.is_set()

        def is_set(self) -> bool:
            return stop.is_set() or aws.jobs.get(job.job_id).state is JobState.DONE

    worker(aws, FlakySqs(aws.sqs, failures=3)).run(RecordingStop())
    assert waits[:3] == [1.0, 2.0, 4.0]
    assert aws.jobs.get(job.job_id).state is JobState.DONE


def test_a_queue_down_for_too_long_ends_the_worker_with_a_clear_error(aws: AwsJobs) -> None:
    now = [0.0]

    class Clocked(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            now[0] += timeout or 0
            return False

    consumer = worker(aws, FlakySqs(aws.sqs, failures=10**6), give_up_after=60, clock=lambda: now[0])
    with pytest.raises(QueueUnreachable, match="no successful receive for 60 s"):
        consumer.run(Clocked())
    assert now[0] >= 60


def test_log_lines_carry_the_request_id_that_queued_the_job(aws: AwsJobs) -> None:
    token = request_id.set("req-from-caller")
    try:
        job = aws.jobs.submit(Text(text="traced"))
    finally:
        request_id.reset(token)
    stream = io.StringIO()
    configure_logging(stream=stream)
    assert worker(aws).run_once() == 1
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    deleted = [line for line in lines if line["message"] == "message deleted"]
    assert [(line["job_id"], line["request_id"], line["state"]) for line in deleted] == [
        (job.job_id, "req-from-caller", "done")
    ]
    assert {line["request_id"] for line in lines if line.get("job_id") == job.job_id} == {"req-from-caller"}
