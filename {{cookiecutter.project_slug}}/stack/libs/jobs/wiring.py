"""Builds a module's job service, worker and their AWS clients from its settings."""

from typing import Any

from stack.libs.aws_clients import aws_client
from stack.libs.jobs.aws import S3JobStore, SqsJobQueue, max_receives
from stack.libs.jobs.handler import JobHandler
from stack.libs.jobs.kind import JobKind
from stack.libs.jobs.service import JobService
from stack.libs.json_logging import configure_logging
from stack.libs.queue_worker import QueueWorker
from stack.libs.settings import JobServiceSettings
from stack.libs.shutdown import run_until_signalled
from stack.libs.tracing import enable_tracing


def job_service(kind: JobKind[Any, Any], settings: JobServiceSettings, sqs: Any = None) -> JobService[Any, Any]:
    """The module's jobs on SQS and S3, as the settings say (one set of clients per call)."""
    return JobService(
        kind,
        queue=SqsJobQueue(sqs or aws_client("sqs", settings), settings.queue_url),
        store=S3JobStore(aws_client("s3", settings), settings.bucket_name, kind),
        hmac_key=settings.idempotency_secret.get_secret_value(),
    )


def job_worker(kind: JobKind[Any, Any], settings: JobServiceSettings) -> QueueWorker:
    sqs = aws_client("sqs", settings)
    return QueueWorker(
        sqs,
        settings.queue_url,
        JobHandler(job_service(kind, settings, sqs)),
        batch_size=settings.receive_batch_size,
        wait_seconds=settings.receive_wait_seconds,
        visibility_timeout=settings.visibility_timeout_seconds,
        retry_delay=settings.retry_delay_seconds,
        # Read from the queue, so the worker and the infrastructure cannot disagree.
        max_receives=max_receives(sqs, settings.queue_url),
        give_up_after=settings.queue_give_up_seconds,
    )


def run_job_worker(kind: JobKind[Any, Any], settings: JobServiceSettings) -> None:
    """A worker process's whole life: consume the queue until SIGTERM or Ctrl-C.

    On the first signal the worker stops receiving, finishes the message in progress, hands
    back the ones it has not started, and returns; past ``shutdown_timeout_seconds`` the
    process exits anyway (stack.libs.shutdown), and the queue redelivers what was cut short.
    """
    configure_logging(settings.log_level)
    enable_tracing()
    run_until_signalled(job_worker(kind, settings).run, settings.shutdown_timeout_seconds)
