"""The job record every module shares: its id, state, request and outcome."""

from enum import Enum
from typing import Generic, TypeVar

from pydantic import BaseModel

RequestT = TypeVar("RequestT", bound=BaseModel)
ResultT = TypeVar("ResultT", bound=BaseModel)


class JobState(str, Enum):
    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"


class Job(BaseModel, Generic[RequestT, ResultT]):
    """A job as it is stored and as the API shows it. A module names its own subclass
    (``class ReportJob(Job[ReportRequest, ReportSummary])``) so its OpenAPI schema does too."""

    job_id: str
    state: JobState
    request: RequestT
    result: ResultT | None = None
    error: str | None = None


class JobMessage(BaseModel, Generic[RequestT]):
    """What the queue carries: everything the worker needs, so it reads nothing first.

    ``version`` is the store's version (S3 ETag) of the queued record: the worker writes the
    outcome only if the record is still that version, so a redelivered message never
    overwrites an outcome that is already stored.
    """

    job_id: str
    request: RequestT
    version: str | None = None
