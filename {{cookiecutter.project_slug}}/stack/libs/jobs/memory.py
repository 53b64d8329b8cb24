"""In-memory job ports with the same semantics as SQS and S3, for module tests."""

import itertools
from typing import Any

from stack.libs.jobs.model import Job, JobMessage
from stack.libs.jobs.ports import Stored


class InMemoryJobQueue:
    """Keeps what was sent; ``reachable = False`` makes every call fail like a queue outage."""

    def __init__(self) -> None:
        self.messages: list[JobMessage[Any]] = []
        self.reachable = True

    def send(self, message: JobMessage[Any]) -> None:
        self.check()
        self.messages.append(message)

    def check(self) -> None:
        if not self.reachable:
            raise ConnectionError("queue unreachable")


class InMemoryJobStore:
    """Versioned like S3 objects: every write gets a new version; ``writes`` counts them."""

    def __init__(self) -> None:
        self.jobs: dict[str, Stored] = {}
        self.writes = 0
        self._versions = itertools.count(1)

    def _write(self, job: Job[Any, Any]) -> str:
        self.writes += 1
        version = f"v{next(self._versions)}"
        self.jobs[job.job_id] = Stored(job, version)
        return version

    def create(self, job: Job[Any, Any]) -> str | None:
        if job.job_id in self.jobs:
            return None
        return self._write(job)

    def save_outcome(self, job: Job[Any, Any], version: str | None) -> bool:
        current = self.jobs.get(job.job_id)
        if (current.version if current else None) != version:
            return False
        self._write(job)
        return True

    def load(self, job_id: str) -> Stored | None:
        return self.jobs.get(job_id)
