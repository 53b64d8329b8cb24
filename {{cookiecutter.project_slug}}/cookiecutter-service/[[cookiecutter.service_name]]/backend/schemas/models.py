"""The module's data contract: what callers send, what they get back."""

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class TaskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=100_000)


class TaskResult(BaseModel):
    words: int
    characters: int


class TaskState(str, Enum):
    QUEUED = "queued"
    DONE = "done"


class Task(BaseModel):
    task_id: str
    state: TaskState
    result: TaskResult | None = None


class TaskMessage(BaseModel):
    """The queue message the worker consumes."""

    task_id: str
    request: TaskRequest
