"""The API variants the load benchmark compares, each served exactly like the reports API
(uvicorn.run with the arguments of modules/reports/backend/api/main.py, on an inherited
socket): ``python -m benchmarks.apps bare|memory``.

- bare: FastAPI with two endpoints of the same shape, no middleware, no models: the ceiling.
- memory: the reports app itself (middleware, validation, error handling) with in-memory
  queue and store instead of SQS and S3, so it measures our code rather than the emulator.
"""

import os
import sys
import uuid

import uvicorn
from fastapi import FastAPI


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/reports", status_code=202)
    def submit(payload: dict) -> dict:
        return {"job_id": uuid.uuid4().hex, "state": "queued", "title": payload.get("title")}

    @app.get("/reports/{job_id}")
    def read(job_id: str) -> dict:
        return {"job_id": job_id, "state": "queued"}

    return app


def memory_app() -> FastAPI:
    from reports.backend.api.app import create_app
    from reports.backend.api.dependencies import get_jobs
    from reports.backend.schemas import Job, JobMessage
    from reports.backend.service import ReportJobs

    class Queue:
        def __init__(self) -> None:
            self.messages: list[JobMessage] = []

        def send(self, message: JobMessage) -> None:
            self.messages.append(message)

        def check(self) -> None:
            pass

    class Store:
        def __init__(self) -> None:
            self.jobs: dict[str, str] = {}

        def save(self, job: Job) -> None:
            self.jobs[job.job_id] = job.model_dump_json()  # serialised, like the S3 store

        def load(self, job_id: str) -> Job | None:
            text = self.jobs.get(job_id)
            return Job.model_validate_json(text) if text else None

    jobs = ReportJobs(Queue(), Store())
    app = create_app()

    async def in_memory_jobs() -> ReportJobs:  # async, like the get_jobs it replaces
        return jobs

    app.dependency_overrides[get_jobs] = in_memory_jobs
    return app


def main() -> None:
    factory = {"bare": "benchmarks.apps:bare_app", "memory": "benchmarks.apps:memory_app"}[sys.argv[1]]
    # The same arguments as modules/reports/backend/api/main.py.
    uvicorn.run(
        factory,
        factory=True,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        fd=int(os.environ["LISTEN_FD"]),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
