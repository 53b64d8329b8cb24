"""Submitting and processing report jobs, independent of HTTP and of AWS.

The queue and the store are ports (Protocols): the API and worker pass in the SQS/S3
adapters from ``aws.py``; tests pass in-memory ones.
"""

import logging
import uuid
from typing import Protocol

from reports.backend.schemas import Job, JobMessage, JobState, ReportRequest
from reports.backend.service.summaries import summarise

logger = logging.getLogger(__name__)

# Idempotency keys map to stable job ids inside this namespace.
_IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1c2a8e-4d0b-4b8e-9a57-3f0c7e5b2d11")


class JobQueue(Protocol):
    def send(self, message: JobMessage) -> None: ...

    def check(self) -> None:
        """Raise if the queue cannot be reached."""


class JobStore(Protocol):
    def save(self, job: Job) -> None: ...

    def create(self, job: Job) -> bool:
        """Store a job that must not exist yet, atomically; False if one with its id does."""
        ...

    def load(self, job_id: str) -> Job | None: ...


class JobNotFound(LookupError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id!r}")
        self.job_id = job_id


class ReportJobs:
    def __init__(self, queue: JobQueue, store: JobStore) -> None:
        self.queue = queue
        self.store = store

    def submit(self, request: ReportRequest, idempotency_key: str | None = None) -> Job:
        """Record a job and queue it. The same idempotency key returns the same job."""
        # Stored before it is queued, so a worker never sees a job the API cannot show.
        if idempotency_key:
            job_id = uuid.uuid5(_IDEMPOTENCY_NAMESPACE, idempotency_key).hex
            job = Job(job_id=job_id, state=JobState.QUEUED, title=request.title)
            # Created only if new, in one step: of two concurrent requests with the same key,
            # exactly one queues the job.
            if not self.store.create(job):
                existing = self.store.load(job.job_id)
                if existing is not None:
                    return existing
                raise RuntimeError(f"job {job.job_id} exists but cannot be read yet; retry")
        else:
            job = Job(job_id=uuid.uuid4().hex, state=JobState.QUEUED, title=request.title)
            self.store.save(job)
        job_id = job.job_id
        self.queue.send(JobMessage(job_id=job_id, request=request))
        logger.info("job queued", extra={"job_id": job_id})
        return job

    def get(self, job_id: str) -> Job:
        job = self.store.load(job_id)
        if job is None:
            raise JobNotFound(job_id)
        return job

    def process(self, message: JobMessage) -> Job:
        """Do the work of one message. Safe to repeat: a finished job is not redone.

        Input the business rule refuses fails the job at once (retrying cannot help); any
        other error propagates, so the queue delivers the message again.
        """
        current = self.store.load(message.job_id)
        if current is not None and current.state is not JobState.QUEUED:
            logger.info("job already finished, skipping", extra={"job_id": message.job_id})
            return current
        try:
            result = summarise(message.request.values)
        except ValueError as refused:
            return self.fail(message, str(refused))
        job = Job(job_id=message.job_id, state=JobState.DONE, title=message.request.title, result=result)
        self.store.save(job)
        logger.info("job done, result stored", extra={"job_id": job.job_id})
        return job

    def fail(self, message: JobMessage, reason: str) -> Job:
        """Mark a job as failed for good (its input was refused, or its message is going to
        the dead-letter queue). A job that already finished keeps its outcome."""
        current = self.store.load(message.job_id)
        if current is not None and current.state is not JobState.QUEUED:
            return current
        job = Job(job_id=message.job_id, state=JobState.FAILED, title=message.request.title, error=reason)
        self.store.save(job)
        logger.warning("job failed", extra={"job_id": job.job_id, "reason": reason})
        return job
