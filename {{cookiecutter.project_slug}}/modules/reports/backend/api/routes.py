"""The reports module's routes: submit a report job, read it."""

from fastapi import APIRouter, Response, status

from reports.backend.api.dependencies import Jobs
from reports.backend.schemas import ReportJob, ReportRequest
from stack.libs.jobs.api import IdempotencyKey, job_answer

SUMMARY = "report jobs: summarise lists of numbers"

router = APIRouter(tags=["reports"])


@router.post("/reports", status_code=status.HTTP_202_ACCEPTED, response_model=ReportJob)
def submit_report(request: ReportRequest, jobs: Jobs, idempotency_key: IdempotencyKey = None) -> Response:
    """Queue a report job. Repeating a request with the same Idempotency-Key returns the same job."""
    return job_answer(jobs.submit(request, idempotency_key=idempotency_key), status.HTTP_202_ACCEPTED)


@router.get("/reports/{job_id}", response_model=ReportJob)
def read_report(job_id: str, jobs: Jobs) -> Response:
    """A report job: queued, done (with its summary) or failed (with the reason)."""
    return job_answer(jobs.get(job_id))
