"""A typed client for the [[ cookiecutter.service_name ]] API, for other modules to use."""

import httpx

from [[ cookiecutter.service_name ]].backend.schemas import [[ cookiecutter.service_class ]]Job, TaskRequest


class TaskNotFound(LookupError):
    pass


class [[ cookiecutter.service_class ]]Client:
    """Talks to the [[ cookiecutter.service_name ]] API over HTTP.

    Pass ``http`` to reuse a configured client (timeouts, auth, or a test client).
    """

    def __init__(self, base_url: str = "http://127.0.0.1:8000", http: httpx.Client | None = None) -> None:
        self._http = http if http is not None else httpx.Client(base_url=base_url, timeout=10.0)

    def submit(self, request: TaskRequest, idempotency_key: str | None = None) -> [[ cookiecutter.service_class ]]Job:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = self._http.post("/tasks", json=request.model_dump(mode="json"), headers=headers)
        response.raise_for_status()
        return [[ cookiecutter.service_class ]]Job.model_validate_json(response.content)

    def get(self, job_id: str) -> [[ cookiecutter.service_class ]]Job:
        response = self._http.get(f"/tasks/{job_id}")
        if response.status_code == httpx.codes.NOT_FOUND:
            raise TaskNotFound(job_id)
        response.raise_for_status()
        return [[ cookiecutter.service_class ]]Job.model_validate_json(response.content)
