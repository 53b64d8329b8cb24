"""FastAPI dependencies. Tests replace them through ``app.dependency_overrides``.

They are ``async`` because they only hand out objects made once per process: FastAPI runs
a plain ``def`` dependency in its thread pool, a hop per dependency on every request.
"""

from functools import lru_cache
from typing import Annotated

from fastapi import Depends

from reports.backend.service import ReportJobs
from reports.backend.service.aws import S3JobStore, SqsJobQueue
from reports.backend.settings import ReportsSettings
from stack.libs.aws_clients import aws_client


@lru_cache
def load_settings() -> ReportsSettings:
    return ReportsSettings()


async def get_settings() -> ReportsSettings:
    return load_settings()


@lru_cache
def _jobs_for(settings: ReportsSettings) -> ReportJobs:
    return ReportJobs(
        queue=SqsJobQueue(aws_client("sqs", settings), settings.queue_url),
        store=S3JobStore(aws_client("s3", settings), settings.bucket_name),
    )


async def get_jobs(settings: Annotated[ReportsSettings, Depends(get_settings)]) -> ReportJobs:
    # One set of boto3 clients per process: they are thread-safe and costly to build.
    return _jobs_for(settings)


Jobs = Annotated[ReportJobs, Depends(get_jobs)]
