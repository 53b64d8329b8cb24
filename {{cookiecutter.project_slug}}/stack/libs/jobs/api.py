"""What a module's job routes use: its job service as a FastAPI dependency, the
Idempotency-Key header, and job answers serialised once."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import Header, Request, Response, status

from stack.libs.http.app import ReadinessCheck
from stack.libs.jobs.kind import JobKind
from stack.libs.jobs.model import Job
from stack.libs.jobs.service import JobService
from stack.libs.jobs.wiring import job_service

IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200,
        description="Repeat a request with the same key to get the same job (and never a second one).",
    ),
]


def jobs_dependency(kind: JobKind[Any, Any]) -> Callable[[Request], Awaitable[JobService[Any, Any]]]:
    """A dependency handing out the app's job service, made once per app from the settings
    the app was created with. Tests replace it through ``app.dependency_overrides``."""

    # async: it only hands out an object; a plain def would cost a thread-pool hop per request.
    async def get_jobs(request: Request) -> JobService[Any, Any]:
        state = request.app.state
        if getattr(state, "jobs", None) is None:
            state.jobs = job_service(kind, state.settings)
        return state.jobs

    return get_jobs


def queue_readiness(jobs: JobService[Any, Any]) -> Sequence[ReadinessCheck]:
    """``/ready`` checks that the queue answers, so submissions can be accepted."""
    return [("queue", jobs.queue.check)]


def job_answer(job: Job[Any, Any], status_code: int = status.HTTP_200_OK) -> Response:
    """The job as JSON, serialised once by pydantic: a returned model would be validated
    again and re-encoded by FastAPI. The route's ``response_model`` keeps the schema."""
    return Response(job.model_dump_json(), status_code=status_code, media_type="application/json")
