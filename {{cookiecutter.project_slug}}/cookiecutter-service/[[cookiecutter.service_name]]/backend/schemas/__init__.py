from [[ cookiecutter.service_name ]].backend.schemas.models import Task, TaskMessage, TaskRequest, TaskResult, TaskState

__all__ = ["Task", "TaskMessage", "TaskRequest", "TaskResult", "TaskState"]
