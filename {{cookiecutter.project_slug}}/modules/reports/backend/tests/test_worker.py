from reports.backend.schemas import JobState, ReportRequest
from reports.backend.worker.consumer import JobConsumer


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
