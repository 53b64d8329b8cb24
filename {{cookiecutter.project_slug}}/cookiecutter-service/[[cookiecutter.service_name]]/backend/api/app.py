"""The [[ cookiecutter.service_name ]] HTTP API: ``create_app()`` builds it, ``app`` is what uvicorn serves."""

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status

from [[ cookiecutter.service_name ]].backend.schemas import Task, TaskRequest
from [[ cookiecutter.service_name ]].backend.service import TaskNotFound, TaskService
from [[ cookiecutter.service_name ]].backend.service.aws import S3TaskStore, SqsTaskQueue
from [[ cookiecutter.service_name ]].backend.settings import [[ cookiecutter.service_class ]]Settings
from stack.libs.aws_clients import aws_client
from stack.libs.json_logging import configure_logging
from stack.libs.request_ids import RequestIdMiddleware
from stack.libs.tracing import enable_tracing


@lru_cache
def get_settings() -> [[ cookiecutter.service_class ]]Settings:
    return [[ cookiecutter.service_class ]]Settings()


@lru_cache
def build_tasks() -> TaskService:
    """One set of AWS clients per process."""
    settings = get_settings()
    return TaskService(
        queue=SqsTaskQueue(aws_client("sqs", settings), settings.queue_url),
        store=S3TaskStore(aws_client("s3", settings), settings.bucket_name),
    )


async def get_tasks() -> TaskService:
    """The dependency tests override. ``async`` because it only hands out the per-process
    object: FastAPI runs a plain ``def`` dependency in its thread pool, a hop per request."""
    return build_tasks()


Tasks = Annotated[TaskService, Depends(get_tasks)]


def create_app() -> FastAPI:
    configure_logging(get_settings().log_level)
    app = FastAPI(title="[[ cookiecutter.service_name ]]")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/tasks", status_code=status.HTTP_202_ACCEPTED)
    def submit_task(request: TaskRequest, tasks: Tasks) -> Task:
        return tasks.submit(request)

    @app.get("/tasks/{task_id}")
    def read_task(task_id: str, tasks: Tasks) -> Task:
        try:
            return tasks.get(task_id)
        except TaskNotFound as missing:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no task with id {task_id!r}") from missing

    # X-Request-ID on every answer and log line, passed on to the worker with each task.
    app.add_middleware(RequestIdMiddleware)
    # Spans for every request and AWS call where the stack turns tracing on.
    enable_tracing(app)
    return app


app = create_app()
