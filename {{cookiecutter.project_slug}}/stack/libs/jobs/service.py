"""The job lifecycle every module gets: submit, read, process, fail.

Guarantees (each has a test in stack/libs/tests/test_jobs_service.py):
- a job is stored before it is queued, so a worker never sees a job the API cannot show;
- with an Idempotency-Key, a retry returns the same job, and re-queues it while it is
  still queued, so a send that failed is made good by the client's retry (at least once);
  the same key with another request is refused;
- without a key, a job whose send failed is marked failed, never left "queued" forever;
- ids derived from a key are a keyed hash (HMAC) with the deployment's secret, so knowing a
  key does not tell anyone the job id;
- processing is safe to repeat: the outcome is written only over the queued record the
  message names (a conditional write), so a redelivery never overwrites an outcome.
"""

import hashlib
import hmac
import logging
import re
import uuid
from typing import Any, Generic

from stack.libs.jobs.kind import JobKind, JobRefused
from stack.libs.jobs.model import Job, JobMessage, JobState, RequestT, ResultT
from stack.libs.jobs.ports import JobQueue, JobStore

logger = logging.getLogger(__name__)

_JOB_ID = re.compile(r"[0-9a-f]{32}")


class JobNotFound(LookupError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id!r}")
        self.job_id = job_id


class IdempotencyKeyReused(ValueError):
    """The Idempotency-Key was used before with a different request."""


class JobNotQueued(RuntimeError):
    """The job was stored but could not be queued; it is marked failed (or, with a key,
    left queued for the client's retry to send again)."""


class JobService(Generic[RequestT, ResultT]):
    def __init__(self, kind: JobKind[RequestT, ResultT], queue: JobQueue, store: JobStore, hmac_key: str) -> None:
        self.kind = kind
        self.queue = queue
        self.store = store
        self._hmac_key = hmac_key.encode()

    def job_id_for_key(self, idempotency_key: str) -> str:
        return hmac.new(self._hmac_key, idempotency_key.encode(), hashlib.sha256).hexdigest()[:32]

    def submit(self, request: RequestT, idempotency_key: str | None = None) -> Job[RequestT, ResultT]:
        """Record a job and queue it; see the module docstring for what a retry does."""
        if idempotency_key is None:
            job = self.kind.job(job_id=uuid.uuid4().hex, state=JobState.QUEUED, request=request)
            version = self.store.create(job)
            if version is None:  # a random id that exists: not in this universe
                raise RuntimeError(f"job id {job.job_id} exists already")
            self._send_or_fail(job, version, keyed=False)
            return job

        job = self.kind.job(job_id=self.job_id_for_key(idempotency_key), state=JobState.QUEUED, request=request)
        version = self.store.create(job)
        if version is None:
            stored = self.store.load(job.job_id)
            if stored is None:
                raise RuntimeError(f"job {job.job_id} exists but cannot be read yet; retry")
            if not self.kind.request_equal(stored.job.request, request):
                raise IdempotencyKeyReused("this Idempotency-Key was used before with a different request")
            if stored.job.state is not JobState.QUEUED:
                return stored.job
            # Still queued: its first send may have failed. Send again; a duplicate message
            # is harmless (the outcome is written once).
            job, version = stored.job, stored.version
            logger.info("job queued again on a retry", extra={"job_id": job.job_id})
        self._send_or_fail(job, version, keyed=True)
        return job

    def _send_or_fail(self, job: Job[Any, Any], version: str, keyed: bool) -> None:
        try:
            self.queue.send(self.kind.message_model(job_id=job.job_id, request=job.request, version=version))
        except Exception as error:
            logger.exception("could not queue the job", extra={"job_id": job.job_id})
            if not keyed:
                # Nobody will retry this id: say so instead of "queued" forever.
                failed = job.model_copy(update={"state": JobState.FAILED, "error": "the job could not be queued"})
                if not self.store.save_outcome(failed, version):
                    logger.error("could not mark an unqueued job failed", extra={"job_id": job.job_id})
            raise JobNotQueued(f"job {job.job_id} could not be queued: {type(error).__name__}") from error
        logger.info("job queued", extra={"job_id": job.job_id})

    def get(self, job_id: str) -> Job[RequestT, ResultT]:
        # Ids are 32 hex digits: anything else is not looked up (nor sent to the store).
        stored = self.store.load(job_id) if _JOB_ID.fullmatch(job_id) else None
        if stored is None:
            raise JobNotFound(job_id)
        return stored.job

    def process(self, message: JobMessage[RequestT]) -> Job[RequestT, ResultT]:
        """Do the work of one message. Refused input fails the job at once (retrying cannot
        help); any other error propagates, so the queue delivers the message again."""
        refusals: tuple[type[Exception], ...] = (JobRefused, *self.kind.refused)
        try:
            result = self.kind.run(message.job_id, message.request)
        except refusals as refused:
            return self.fail(message, str(refused))
        job = self.kind.job(job_id=message.job_id, state=JobState.DONE, request=message.request, result=result)
        if self.store.save_outcome(job, message.version):
            logger.info("job done, result stored", extra={"job_id": job.job_id})
        else:
            logger.info("job already finished, outcome kept", extra={"job_id": job.job_id})
        return job

    def fail(self, message: JobMessage[RequestT], reason: str) -> Job[RequestT, ResultT]:
        """Mark a job failed for good (refused input, or its last delivery failed). A job
        that already finished keeps its outcome."""
        job = self.kind.job(job_id=message.job_id, state=JobState.FAILED, request=message.request, error=reason)
        if self.store.save_outcome(job, message.version):
            logger.warning("job failed", extra={"job_id": job.job_id, "reason": reason})
        else:
            logger.info("job already finished, outcome kept", extra={"job_id": job.job_id})
        return job
