"""Entry point of the worker PEX: consume the queue until SIGTERM or Ctrl-C."""

import signal
import threading

from reports.backend.service import ReportJobs
from reports.backend.service.aws import S3JobStore, SqsJobQueue
from reports.backend.settings import ReportsSettings
from reports.backend.worker.consumer import JobConsumer
from stack.libs.aws_clients import aws_client
from stack.libs.json_logging import configure_logging


def main() -> None:
    settings = ReportsSettings()
    configure_logging(settings.log_level)
    sqs = aws_client("sqs", settings)
    jobs = ReportJobs(
        queue=SqsJobQueue(sqs, settings.queue_url),
        store=S3JobStore(aws_client("s3", settings), settings.bucket_name),
    )
    consumer = JobConsumer(
        sqs,
        settings.queue_url,
        jobs,
        batch_size=settings.receive_batch_size,
        wait_seconds=settings.receive_wait_seconds,
    )
    stop = threading.Event()
    # Stop receiving; the batch in hand is finished before run() returns.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    consumer.run(stop)


if __name__ == "__main__":
    main()
