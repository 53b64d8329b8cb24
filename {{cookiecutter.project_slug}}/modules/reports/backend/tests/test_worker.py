import json
import logging
import threading
import time

from reports.backend.schemas import JobState, ReportRequest
from reports.backend.service import ReportJobs
from reports.backend.service.aws import max_receives
from reports.backend.worker.consumer import JobConsumer
from stack.libs.json_logging import request_id


def test_worker_processes_batch_stores_results_and_deletes_messages(aws) -> None:
    submitted = [aws.jobs.submit(ReportRequest(title=f"r{i}", values=[i, i + 1])) for i in range(3)]
    consumer = JobConsumer(aws.sqs, aws.queue_url, aws.jobs, batch_size=10, wait_seconds=0)

    handled = 0
    for _ in range(5):  # bounded: moto may hand out fewer than all messages per call
        handled += consumer.run_once()
        if handled == 3:
            break

    assert handled == 3
    for job in submitted:
        stored = aws.jobs.get(job.job_id)
        assert stored.state is JobState.DONE
        assert stored.result is not None and stored.result.count == 2
    assert aws.visible_messages() == 0


def test_malformed_message_is_not_deleted(aws) -> None:
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody='{"not": "a job"}')
    consumer = JobConsumer(aws.sqs, aws.queue_url, aws.jobs, wait_seconds=0)

    assert consumer.run_once() == 0
    # Left on the queue (in flight) for the redrive policy to dead-letter it.
    assert aws.visible_messages() == 1


def test_s3_store_round_trip_and_missing_job(aws) -> None:
    job = aws.jobs.submit(ReportRequest(title="r", values=[1]))
    assert aws.jobs.store.load(job.job_id) == job
    assert aws.jobs.store.load("f" * 32) is None


def _redriven_queue(aws, max_receives: int) -> tuple[str, str]:
    dead_letters = aws.sqs.create_queue(QueueName="reports-jobs-dlq")["QueueUrl"]
    arn = aws.sqs.get_queue_attributes(QueueUrl=dead_letters, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws.sqs.set_queue_attributes(
        QueueUrl=aws.queue_url,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": str(max_receives)})},
    )
    return aws.queue_url, dead_letters


class FailingJobs(ReportJobs):
    def process(self, message):
        raise ConnectionError("store unreachable")


def test_last_delivery_marks_the_job_failed_and_the_message_is_dead_lettered(aws) -> None:
    queue_url, dead_letters = _redriven_queue(aws, max_receives=2)
    assert max_receives(aws.sqs, queue_url) == 2
    job = aws.jobs.submit(ReportRequest(title="r", values=[1]))
    failing = FailingJobs(aws.jobs.queue, aws.jobs.store)
    consumer = JobConsumer(aws.sqs, queue_url, failing, wait_seconds=0, retry_delay=0, max_receives=2)

    assert consumer.run_once() == 0  # first delivery fails: retried
    assert aws.jobs.get(job.job_id).state is JobState.QUEUED
    assert consumer.run_once() == 0  # last delivery fails: the job is failed for good
    failed = aws.jobs.get(job.job_id)
    assert failed.state is JobState.FAILED
    assert failed.error == "gave up after 2 attempts: ConnectionError: store unreachable"

    assert consumer.run_once() == 0  # SQS moves it on the next receive
    dead = aws.sqs.receive_message(QueueUrl=dead_letters)["Messages"]
    assert json.loads(dead[0]["Body"])["job_id"] == job.job_id
    assert aws.visible_messages() == 0


def test_queue_without_redrive_policy_has_no_last_delivery(aws) -> None:
    assert max_receives(aws.sqs, aws.queue_url) is None


def test_refused_input_fails_the_job_at_once_and_deletes_the_message(aws) -> None:
    job = aws.jobs.submit(ReportRequest(title="huge", values=[1e308, 1e308]))
    consumer = JobConsumer(aws.sqs, aws.queue_url, aws.jobs, wait_seconds=0)

    assert consumer.run_once() == 1
    failed = aws.jobs.get(job.job_id)
    assert failed.state is JobState.FAILED
    assert failed.error == "the values add up to more than a float can hold"
    assert aws.visible_messages() == 0


def test_stop_finishes_the_job_in_hand_and_hands_back_the_rest(aws) -> None:
    submitted = [aws.jobs.submit(ReportRequest(title=f"r{i}", values=[i])) for i in range(3)]
    stop = threading.Event()

    class StopAfterFirst(ReportJobs):
        def process(self, message):
            done = super().process(message)
            stop.set()  # a SIGTERM arriving while the first job runs
            return done

    consumer = JobConsumer(
        aws.sqs, aws.queue_url, StopAfterFirst(aws.jobs.queue, aws.jobs.store), wait_seconds=0, visibility_timeout=30
    )
    assert consumer.run_once(stop) == 1
    states = [aws.jobs.get(job.job_id).state for job in submitted]
    assert states.count(JobState.DONE) == 1
    # The other two are visible again at once, not after the 30 s visibility timeout.
    attributes = aws.sqs.get_queue_attributes(QueueUrl=aws.queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "2"


def test_visibility_is_extended_while_a_job_runs(aws) -> None:
    job = aws.jobs.submit(ReportRequest(title="slow", values=[1]))
    observed: list[int] = []

    class SlowJobs(ReportJobs):
        def process(self, message):
            # Longer than the visibility timeout: without extensions another consumer would
            # receive the message meanwhile.
            deadline = time.monotonic() + 2.5
            while time.monotonic() < deadline:
                other = aws.sqs.receive_message(QueueUrl=aws.queue_url, WaitTimeSeconds=0, VisibilityTimeout=0)
                observed.append(len(other.get("Messages", [])))
                time.sleep(0.2)
            return super().process(message)

    consumer = JobConsumer(
        aws.sqs, aws.queue_url, SlowJobs(aws.jobs.queue, aws.jobs.store), wait_seconds=0, visibility_timeout=1
    )
    assert consumer.run_once() == 1
    assert observed and not any(observed)
    assert aws.jobs.get(job.job_id).state is JobState.DONE


def test_worker_log_lines_carry_the_submitting_request_id(aws, caplog) -> None:
    token = request_id.set("req-from-api")
    try:
        job = aws.jobs.submit(ReportRequest(title="r", values=[1]))
    finally:
        request_id.reset(token)
    seen: list[str | None] = []

    class Recording(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(request_id.get())

    caplog.set_level(logging.INFO)
    handler = Recording()
    logging.getLogger("reports").addHandler(handler)
    try:
        JobConsumer(aws.sqs, aws.queue_url, aws.jobs, wait_seconds=0).run_once()
    finally:
        logging.getLogger("reports").removeHandler(handler)
    assert aws.jobs.get(job.job_id).state is JobState.DONE
    assert seen and set(seen) == {"req-from-api"}


def test_s3_create_refuses_an_existing_job(aws) -> None:
    job = aws.jobs.submit(ReportRequest(title="r", values=[1]))
    assert aws.jobs.store.create(job.model_copy(update={"title": "other"})) is False
    assert aws.jobs.store.load(job.job_id) == job

