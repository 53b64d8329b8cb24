import logging
import re
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Response, status

from reports.backend.api.dependencies import Jobs
from reports.backend.schemas import Job, ReportRequest
from reports.backend.service import JobNotFound

logger = logging.getLogger(__name__)

router = APIRouter()

_JOB_ID = re.compile(r"[0-9a-f]{32}")


def job_answer(job: Job, status_code: int = status.HTTP_200_OK) -> Response:
    """The job as JSON, serialised once by pydantic: a returned model would be validated
    again and re-encoded by FastAPI on every request. ``response_model`` keeps the schema."""
    return Response(job.model_dump_json(), status_code=status_code, media_type="application/json")


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process serves requests."""
    return {"status": "ok"}


@router.get("/ready")
def ready(jobs: Jobs) -> dict[str, str]:
    """Readiness: the queue is reachable, so submissions can be accepted."""
    try:
        jobs.queue.check()
    except Exception as error:  # any client or network error means "not ready"
        logger.warning("queue unreachable", extra={"error": str(error)})
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "queue unreachable") from error
    return {"status": "ready"}


@router.post("/reports", status_code=status.HTTP_202_ACCEPTED, response_model=Job)
def submit_report(
    request: ReportRequest,
    jobs: Jobs,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Queue a report job. Repeating a request with the same Idempotency-Key returns the same job."""
    return job_answer(jobs.submit(request, idempotency_key=idempotency_key), status.HTTP_202_ACCEPTED)


@router.get("/reports/{job_id}", response_model=Job)
def read_report(job_id: str, jobs: Jobs) -> Response:
    if not _JOB_ID.fullmatch(job_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job with id {job_id!r}")
    try:
        return job_answer(jobs.get(job_id))
    except JobNotFound as missing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(missing)) from missing
