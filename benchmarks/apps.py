"""The API variants the load benchmark compares, each served exactly like the reports API
(``stack.libs.http.serve``, the API PEX's entry point, on an inherited socket):
``python -m benchmarks.apps bare|memory``.

- bare: FastAPI with two endpoints of the same shape, no middleware, no models: the ceiling.
- memory: the reports app itself (the platform's middleware, validation, error handling)
  with the platform's in-memory job queue and store instead of SQS and S3, so it measures
  our code rather than the emulator.
"""

import os
import sys
import uuid
from typing import Any

from fastapi import FastAPI

from stack.libs.http import serve

VARIANT = "BENCH_APP_VARIANT"


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
    from reports.backend.service import JOBS
    from stack.libs.jobs import JobService
    from stack.libs.jobs.memory import InMemoryJobQueue, InMemoryJobStore

    jobs = JobService(JOBS, InMemoryJobQueue(), InMemoryJobStore(), hmac_key="benchmark")
    app = create_app()

    async def in_memory_jobs() -> JobService[Any, Any]:  # async, like the get_jobs it replaces
        return jobs

    app.dependency_overrides[get_jobs] = in_memory_jobs
    return app


def __getattr__(name: str) -> FastAPI:
    # serve() imports "benchmarks.apps:app": built on that import, for the variant main() chose.
    if name == "app":
        return {"bare": bare_app, "memory": memory_app}[os.environ[VARIANT]]()
    raise AttributeError(name)


def main() -> None:
    os.environ[VARIANT] = sys.argv[1]
    serve("benchmarks.apps:app")


if __name__ == "__main__":
    main()
