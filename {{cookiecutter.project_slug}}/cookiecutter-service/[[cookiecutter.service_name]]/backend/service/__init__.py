from [[ cookiecutter.service_name ]].backend.service.tasks import TaskNotFound, TaskService, count_words

__all__ = ["TaskNotFound", "TaskService", "count_words"]
