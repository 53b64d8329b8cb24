"""The queue and the store a job service works with (SQS and S3 in ``aws``, in-memory in
``memory``)."""

from dataclasses import dataclass
from typing import Any, Protocol

from stack.libs.jobs.model import Job, JobMessage


@dataclass(frozen=True)
class Stored:
    """A job record and the version the store gave it (S3: the ETag)."""

    job: Job[Any, Any]
    version: str


class JobQueue(Protocol):
    def send(self, message: JobMessage[Any]) -> None: ...

    def check(self) -> None:
        """Raise if the queue cannot be reached."""


class JobStore(Protocol):
    def create(self, job: Job[Any, Any]) -> str | None:
        """Store a job that must not exist yet, atomically; its version, or None if a job
        with its id exists already."""

    def save_outcome(self, job: Job[Any, Any], version: str | None) -> bool:
        """Store a finished job only if its record is still at ``version``, or, with no
        version (a message queued without a record, e.g. by another module's publisher),
        only if there is no record yet. False if another delivery stored an outcome first."""

    def load(self, job_id: str) -> Stored | None: ...
