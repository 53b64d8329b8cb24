"""Entry point of the worker PEX: consume the queue until SIGTERM or Ctrl-C.

The first signal stops receiving; the task in progress finishes and the rest of the batch
is handed back. After ``shutdown_timeout_seconds`` the process exits anyway (see
stack.libs.shutdown): the queue redelivers what was cut short.
"""

from [[ cookiecutter.service_name ]].backend.service import TaskService
from [[ cookiecutter.service_name ]].backend.service.aws import S3TaskStore, SqsTaskQueue
from [[ cookiecutter.service_name ]].backend.settings import [[ cookiecutter.service_class ]]Settings
from [[ cookiecutter.service_name ]].backend.worker.consumer import TaskConsumer
from stack.libs.aws_clients import aws_client
from stack.libs.json_logging import configure_logging
from stack.libs.shutdown import run_until_signalled
from stack.libs.tracing import enable_tracing


def main() -> None:
    settings = [[ cookiecutter.service_class ]]Settings()
    configure_logging(settings.log_level)
    enable_tracing()
    sqs = aws_client("sqs", settings)
    tasks = TaskService(
        queue=SqsTaskQueue(sqs, settings.queue_url),
        store=S3TaskStore(aws_client("s3", settings), settings.bucket_name),
    )
    consumer = TaskConsumer(
        sqs,
        settings.queue_url,
        tasks,
        wait_seconds=settings.receive_wait_seconds,
        batch_size=settings.receive_batch_size,
    )
    run_until_signalled(consumer.run, settings.shutdown_timeout_seconds)


if __name__ == "__main__":
    main()
