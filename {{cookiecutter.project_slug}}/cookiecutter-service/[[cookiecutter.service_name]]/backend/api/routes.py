"""The [[ cookiecutter.service_name ]] module's routes: submit a task, read it."""

from fastapi import APIRouter, Response, status

[% if cookiecutter.from_contract == "yes" %]from [[ cookiecutter.service_name ]].backend.api import contract_routes
[% endif %]from [[ cookiecutter.service_name ]].backend.api.dependencies import Jobs
from [[ cookiecutter.service_name ]].backend.schemas import [[ cookiecutter.service_class ]]Job, TaskRequest
from stack.libs.jobs.api import IdempotencyKey, job_answer

SUMMARY = "[[ cookiecutter.service_name ]] tasks"

router = APIRouter(tags=["[[ cookiecutter.service_name ]]"])


@router.post("/tasks", status_code=status.HTTP_202_ACCEPTED, response_model=[[ cookiecutter.service_class ]]Job)
def submit_task(request: TaskRequest, jobs: Jobs, idempotency_key: IdempotencyKey = None) -> Response:
    """Queue a task. Repeating a request with the same Idempotency-Key returns the same task."""
    return job_answer(jobs.submit(request, idempotency_key=idempotency_key), status.HTTP_202_ACCEPTED)


@router.get("/tasks/{job_id}", response_model=[[ cookiecutter.service_class ]]Job)
def read_task(job_id: str, jobs: Jobs) -> Response:
    """A task: queued, done (with its result) or failed (with the reason)."""
    return job_answer(jobs.get(job_id))
[% if cookiecutter.from_contract == "yes" %]

# The operations of the contract the module was made from (new-service --from-contract).
router.include_router(contract_routes.router)
[% endif %]