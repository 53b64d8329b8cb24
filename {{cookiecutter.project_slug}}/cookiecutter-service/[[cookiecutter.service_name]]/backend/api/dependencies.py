"""FastAPI dependencies of the [[ cookiecutter.service_name ]] API. Tests replace them through
``app.dependency_overrides``."""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends[% if cookiecutter.has_database == "yes" %], Request[% endif %]

from [[ cookiecutter.service_name ]].backend.service import JOBS
[%- if cookiecutter.has_database == "yes" %]
from stack.libs.database import database_engine, database_readiness
[%- endif %]
from stack.libs.http import ReadinessCheck
from stack.libs.jobs import JobService
from stack.libs.jobs.api import jobs_dependency, queue_readiness

# The app's job service on SQS and S3, made from the settings the app was created with.
get_jobs = jobs_dependency(JOBS)
Jobs = Annotated[JobService[Any, Any], Depends(get_jobs)]


async def readiness(jobs: Jobs[% if cookiecutter.has_database == "yes" %], request: Request[% endif %]) -> Sequence[ReadinessCheck]:
[%- if cookiecutter.has_database == "yes" %]
    """The queue, and the database the worker writes to."""
    state = request.app.state
    if getattr(state, "database", None) is None:
        state.database = database_engine(state.settings)
    return [*queue_readiness(jobs), database_readiness(state.database)]
[%- else %]
    return queue_readiness(jobs)
[%- endif %]
