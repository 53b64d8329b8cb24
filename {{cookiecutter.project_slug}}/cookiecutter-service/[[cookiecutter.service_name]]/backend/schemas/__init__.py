from [[ cookiecutter.service_name ]].backend.schemas.models import [[ cookiecutter.service_class ]]Job, TaskRequest, TaskResult
from stack.libs.jobs import JobMessage, JobState

__all__ = ["[[ cookiecutter.service_class ]]Job", "JobMessage", "JobState", "TaskRequest", "TaskResult"]
