"""The reports module's data contract, shared by the API, the worker and the public client."""

from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_VALUES = 10_000

# JSON has no NaN or infinity, and a summary of them means nothing: refuse them at the door.
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


class ReportRequest(BaseModel):
    """Work to do: summarise a list of numbers under a title."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    values: list[FiniteFloat] = Field(min_length=1, max_length=MAX_VALUES)


class ReportSummary(BaseModel):
    count: int
    total: float
    mean: float
    minimum: float
    maximum: float


class JobState(str, Enum):
    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"


class Job(BaseModel):
    """A submitted report job as the API shows it."""

    job_id: str
    state: JobState
    title: str
    result: ReportSummary | None = None
    error: str | None = None


class JobMessage(BaseModel):
    """The queue message the worker consumes."""

    job_id: str
    request: ReportRequest
