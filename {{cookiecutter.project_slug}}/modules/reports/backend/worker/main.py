"""Entry point of the worker PEX: consume the queue until SIGTERM or Ctrl-C.

On the first SIGTERM/SIGINT the worker stops receiving, finishes the job in progress,
hands back the messages it has not started, and exits; that takes at most the long-poll
wait plus one job. If it takes longer than ``shutdown_timeout_seconds`` the process exits
anyway (exit code 3, stack.libs.shutdown): unfinished messages are redelivered, so nothing
is lost, and the platform's own kill (ECS sends SIGKILL 30 s after SIGTERM) is never needed.
"""

from collections.abc import Callable

from reports.backend.service import JobQueue, JobStore, ReportJobs
from reports.backend.service.aws import S3JobStore, SqsJobQueue, max_receives
from reports.backend.settings import ReportsSettings
from reports.backend.worker.consumer import JobConsumer
from stack.libs.aws_clients import aws_client
from stack.libs.json_logging import configure_logging
from stack.libs.shutdown import run_until_signalled
from stack.libs.tracing import enable_tracing


def build_consumer(
    settings: ReportsSettings, make_jobs: Callable[[JobQueue, JobStore], ReportJobs] = ReportJobs
) -> JobConsumer:
    sqs = aws_client("sqs", settings)
    jobs = make_jobs(SqsJobQueue(sqs, settings.queue_url), S3JobStore(aws_client("s3", settings), settings.bucket_name))
    return JobConsumer(
        sqs,
        settings.queue_url,
        jobs,
        batch_size=settings.receive_batch_size,
        wait_seconds=settings.receive_wait_seconds,
        visibility_timeout=settings.visibility_timeout_seconds,
        retry_delay=settings.retry_delay_seconds,
        # Read from the queue, so the worker and the infrastructure cannot disagree.
        max_receives=max_receives(sqs, settings.queue_url),
    )


def main(make_jobs: Callable[[JobQueue, JobStore], ReportJobs] = ReportJobs) -> None:
    settings = ReportsSettings()
    configure_logging(settings.log_level)
    enable_tracing()
    run_until_signalled(build_consumer(settings, make_jobs).run, settings.shutdown_timeout_seconds)


if __name__ == "__main__":
    main()
