"""Consumes the reports queue: receive a batch, process each job, delete what is done.

The guarantees every service copying this worker gets:
- a message is deleted only after its job's outcome is stored, so a crash at any point
  means a redelivery, never a lost job, and ``ReportJobs.process`` makes a redelivery
  harmless;
- messages in hand stay hidden from other workers while their jobs run (their visibility
  is extended in the background), however long that takes;
- a failed attempt is retried after ``retry_delay`` seconds; on the queue's last allowed
  delivery (``max_receives``, its redrive policy's maxReceiveCount) the job is marked failed,
  so the API reports it, and SQS moves the message to the dead-letter queue;
- once ``stop`` is set, no new batch is received, the job in progress finishes, and the
  messages not yet started are handed back at once for another worker.
"""

import contextlib
import logging
import threading
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from reports.backend.schemas import JobMessage
from reports.backend.service import ReportJobs
from stack.libs.request_ids import REQUEST_ID_ATTRIBUTE, request_id_of

logger = logging.getLogger(__name__)


class VisibilityKeeper:
    """Keeps received messages hidden while they wait or are worked on.

    A background thread extends the visibility of every message still held, every third of
    the visibility timeout. ``forget`` a message before deleting or releasing it: it takes
    the same lock as an extension, so a late extension can never hide a released message.
    """

    def __init__(self, sqs: Any, queue_url: str, visibility_timeout: int, receipt_handles: Iterable[str]) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.visibility_timeout = visibility_timeout
        self._held = set(receipt_handles)
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._keep, name="visibility-keeper", daemon=True)

    def __enter__(self) -> "VisibilityKeeper":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()

    def forget(self, receipt_handle: str) -> None:
        with self._lock:
            self._held.discard(receipt_handle)

    def _keep(self) -> None:
        interval = max(self.visibility_timeout / 3, 0.2)
        while not self._done.wait(interval):
            with self._lock:
                if self._held:
                    self._extend(sorted(self._held))

    def _extend(self, handles: list[str]) -> None:
        for start in range(0, len(handles), 10):  # the batch call takes at most 10 entries
            entries = [
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": self.visibility_timeout}
                for index, handle in enumerate(handles[start : start + 10])
            ]
            try:
                self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)
            except Exception:  # the next round tries again; the timeout leaves room for two misses
                logger.warning("could not extend message visibility", exc_info=True)
                return
        logger.debug("extended message visibility", extra={"messages": len(handles)})


class JobConsumer:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        jobs: ReportJobs,
        batch_size: int = 10,
        wait_seconds: int = 20,
        visibility_timeout: int = 30,
        retry_delay: int = 5,
        max_receives: int | None = None,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.jobs = jobs
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.visibility_timeout = visibility_timeout
        self.retry_delay = retry_delay
        self.max_receives = max_receives

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Long-poll for one batch and handle it; returns how many messages were done."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            VisibilityTimeout=self.visibility_timeout,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=[REQUEST_ID_ATTRIBUTE],
        )
        messages = response.get("Messages", [])
        if not messages:
            return 0
        done = 0
        with VisibilityKeeper(
            self.sqs, self.queue_url, self.visibility_timeout, (m["ReceiptHandle"] for m in messages)
        ) as keeper:
            for position, message in enumerate(messages):
                if stop is not None and stop.is_set():
                    self._hand_back(messages[position:], keeper)
                    break
                if self._handle(message, keeper):
                    done += 1
        return done

    def _handle(self, message: dict, keeper: VisibilityKeeper) -> bool:
        receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        context = {"message_id": message["MessageId"], "receive_count": receives}
        # The API request that queued the job, so its log lines and ours share one id.
        with request_id_of(message):
            try:
                job_message = JobMessage.model_validate_json(message["Body"])
            except ValidationError as invalid:
                # No job to mark failed: the redrive policy dead-letters it after max_receives.
                logger.error("unreadable message", extra={**context, "error": str(invalid)})
                self._after_failure(message, keeper, receives, None, "unreadable message")
                return False
            context["job_id"] = job_message.job_id
            logger.info("job received", extra=context)
            try:
                job = self.jobs.process(job_message)
            except Exception as error:
                logger.exception("job attempt failed", extra=context)
                self._after_failure(message, keeper, receives, job_message, f"{type(error).__name__}: {error}")
                return False
            # Deleted only once the outcome is stored: a crash before this line means a
            # redelivery, which process() handles without redoing finished work.
            keeper.forget(message["ReceiptHandle"])
            try:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            except Exception:
                logger.warning("could not delete a finished job's message; it will come back", exc_info=True)
                return False
            logger.info("message deleted", extra={**context, "state": job.state.value})
            return True

    def _after_failure(
        self, message: dict, keeper: VisibilityKeeper, receives: int, job_message: JobMessage | None, reason: str
    ) -> None:
        last_delivery = self.max_receives is not None and receives >= self.max_receives
        if last_delivery and job_message is not None:
            try:
                self.jobs.fail(job_message, f"gave up after {receives} attempts: {reason}")
                logger.error("job failed for good; its message goes to the dead-letter queue")
            except Exception:
                logger.exception("could not record the job's failure; its message goes to the dead-letter queue")
        keeper.forget(message["ReceiptHandle"])
        # Visible again after the retry delay rather than the whole visibility timeout; the
        # last delivery at once, so SQS moves it to the dead-letter queue without delay.
        self._set_visibility(message, 0 if last_delivery else self.retry_delay)

    def _hand_back(self, messages: list[dict], keeper: VisibilityKeeper) -> None:
        for message in messages:
            keeper.forget(message["ReceiptHandle"])
            self._set_visibility(message, 0)
        logger.info("stopping: handed back messages not started", extra={"messages": len(messages)})

    def _set_visibility(self, message: dict, seconds: int) -> None:
        # Best effort: if this fails the message comes back when its visibility times out.
        with contextlib.suppress(Exception):
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=seconds
            )

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; the job in progress is finished first."""
        logger.info("worker started", extra={"queue_url": self.queue_url, "max_receives": self.max_receives})
        while not stop.is_set():
            try:
                self.run_once(stop)
            except Exception:
                # The queue is unreachable or refused the call: keep trying, not too fast.
                logger.exception("receiving from the queue failed; retrying")
                stop.wait(max(self.retry_delay, 1))
        logger.info("worker stopped")
