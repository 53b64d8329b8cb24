"""Submitting and doing tasks, independent of HTTP and AWS (the queue and store are ports)."""

import uuid
from typing import Protocol

from [[ cookiecutter.service_name ]].backend.schemas import Task, TaskMessage, TaskRequest, TaskResult, TaskState


class TaskQueue(Protocol):
    def send(self, message: TaskMessage) -> None: ...


class TaskStore(Protocol):
    def save(self, task: Task) -> None: ...

    def load(self, task_id: str) -> Task | None: ...


class TaskNotFound(LookupError):
    pass


def count_words(request: TaskRequest) -> TaskResult:
    """The example work: replace it with the module's real job."""
    return TaskResult(words=len(request.text.split()), characters=len(request.text))


class TaskService:
    def __init__(self, queue: TaskQueue, store: TaskStore) -> None:
        self.queue = queue
        self.store = store

    def submit(self, request: TaskRequest) -> Task:
        task = Task(task_id=uuid.uuid4().hex, state=TaskState.QUEUED)
        # Stored before it is queued, so the worker never sees a task the API cannot show.
        self.store.save(task)
        self.queue.send(TaskMessage(task_id=task.task_id, request=request))
        return task

    def get(self, task_id: str) -> Task:
        task = self.store.load(task_id)
        if task is None:
            raise TaskNotFound(task_id)
        return task

    def process(self, message: TaskMessage) -> Task:
        """Do one task. Safe to repeat: a finished task is not redone."""
        current = self.store.load(message.task_id)
        if current is not None and current.state is TaskState.DONE:
            return current
        task = Task(task_id=message.task_id, state=TaskState.DONE, result=count_words(message.request))
        self.store.save(task)
        return task
