"""A typed client for the reports API, for other modules to use."""

import httpx

from reports.backend.schemas import ReportJob, ReportRequest


class ReportNotFound(LookupError):
    pass


class ReportsClient:
    """Talks to the reports API over HTTP.

    Pass ``http`` to reuse a configured client (timeouts, auth, or a test client).
    """

    def __init__(self, base_url: str = "http://127.0.0.1:8000", http: httpx.Client | None = None) -> None:
        self._http = http if http is not None else httpx.Client(base_url=base_url, timeout=10.0)

    def submit(self, request: ReportRequest, idempotency_key: str | None = None) -> ReportJob:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = self._http.post("/reports", json=request.model_dump(mode="json"), headers=headers)
        response.raise_for_status()
        return ReportJob.model_validate_json(response.content)

    def get(self, job_id: str) -> ReportJob:
        response = self._http.get(f"/reports/{job_id}")
        if response.status_code == httpx.codes.NOT_FOUND:
            raise ReportNotFound(job_id)
        response.raise_for_status()
        return ReportJob.model_validate_json(response.content)
