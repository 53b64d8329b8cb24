"""Jobs: work an API accepts at once and a queue worker finishes later.

A module describes its kind of job once (``JobKind``: request, result, the work); the
platform gives it the lifecycle (``JobService``: submit, read, process, fail), the AWS
adapters (SQS queue, S3 store), in-memory ones for tests, and the worker's message handler.
"""

from stack.libs.jobs.kind import JobKind, JobRefused
from stack.libs.jobs.model import Job, JobMessage, JobState
from stack.libs.jobs.ports import JobQueue, JobStore, Stored
from stack.libs.jobs.service import IdempotencyKeyReused, JobNotFound, JobNotQueued, JobService

__all__ = [
    "IdempotencyKeyReused",
    "Job",
    "JobKind",
    "JobMessage",
    "JobNotFound",
    "JobNotQueued",
    "JobQueue",
    "JobRefused",
    "JobService",
    "JobState",
    "JobStore",
    "Stored",
]
