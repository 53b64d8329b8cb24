"""FastAPI dependencies of the [[ cookiecutter.service_name ]] API. Tests replace them through
``app.dependency_overrides``."""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends

from [[ cookiecutter.service_name ]].backend.service import JOBS
from stack.libs.http import ReadinessCheck
from stack.libs.jobs import JobService
from stack.libs.jobs.api import jobs_dependency, queue_readiness

# The app's job service on SQS and S3, made from the settings the app was created with.
get_jobs = jobs_dependency(JOBS)
Jobs = Annotated[JobService[Any, Any], Depends(get_jobs)]


async def readiness(jobs: Jobs) -> Sequence[ReadinessCheck]:
    return queue_readiness(jobs)
