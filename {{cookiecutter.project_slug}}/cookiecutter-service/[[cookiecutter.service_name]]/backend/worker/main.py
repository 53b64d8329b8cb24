"""Entry point of the worker PEX: consume the queue until SIGTERM or Ctrl-C."""

import signal
import threading

from [[ cookiecutter.service_name ]].backend.service import TaskService
from [[ cookiecutter.service_name ]].backend.service.aws import S3TaskStore, SqsTaskQueue
from [[ cookiecutter.service_name ]].backend.settings import [[ cookiecutter.service_class ]]Settings
from [[ cookiecutter.service_name ]].backend.worker.consumer import TaskConsumer
from stack.libs.aws_clients import aws_client
from stack.libs.json_logging import configure_logging


def main() -> None:
    settings = [[ cookiecutter.service_class ]]Settings()
    configure_logging(settings.log_level)
    sqs = aws_client("sqs", settings)
    tasks = TaskService(
        queue=SqsTaskQueue(sqs, settings.queue_url),
        store=S3TaskStore(aws_client("s3", settings), settings.bucket_name),
    )
    stop = threading.Event()
    # Stop receiving; the batch in hand is finished before run() returns.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    TaskConsumer(sqs, settings.queue_url, tasks).run(stop)


if __name__ == "__main__":
    main()
