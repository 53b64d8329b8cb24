"""Consumes an SQS queue for a module: receive a batch, handle each message, delete what is done.

The guarantees every module's worker gets:
- a message is deleted only after its handler stored the outcome, so a crash at any point
  means a redelivery, never a lost message (handlers make a redelivery harmless); the
  deletes of a batch go in one call after the batch, which loses nothing for the same reason;
- messages in hand stay hidden from other workers while they wait or are worked on;
- a failed attempt is retried after ``retry_delay`` seconds; on the queue's last allowed
  delivery (``max_receives``, its redrive policy's maxReceiveCount) the handler's
  ``give_up`` runs (a job is marked failed) and SQS moves the message to the dead-letter queue;
- once ``stop`` is set, no new batch is received, the message in progress finishes, and the
  messages not yet started are handed back at once for another worker;
- a queue that cannot be reached (throttling, a network blip, an outage) is retried with
  exponential backoff; after ``give_up_after`` seconds without one successful receive the
  worker raises ``QueueUnreachable`` (the process exits non-zero and the platform restarts it);
- every log line of a message's work carries the request id that queued it, and each
  message is one trace span where tracing is on.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from opentelemetry import trace

from stack.libs.queue_worker.visibility import VisibilityKeeper
from stack.libs.request_ids import REQUEST_ID_ATTRIBUTE, request_id_of, using_request_id

logger = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)


class UnreadableMessage(ValueError):
    """The message body is not what the handler accepts: no retry can fix it."""


class QueueUnreachable(RuntimeError):
    """Receiving kept failing for longer than the worker's bound."""


class MessageHandler(Protocol):
    """What a module's worker does with its messages (stack.libs.jobs.handler for jobs)."""

    def parse(self, body: str) -> Any:
        """The message, or raise UnreadableMessage."""

    def describe(self, message: Any) -> Mapping[str, Any]:
        """Fields for the log lines about this message (e.g. its job id)."""

    def handle(self, message: Any) -> Mapping[str, Any]:
        """Do the work and store its outcome; return log fields (e.g. the state). Raise to retry."""

    def give_up(self, message: Any, reason: str) -> None:
        """The last delivery failed: record that (the message goes to the dead-letter queue)."""


class QueueWorker:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: MessageHandler,
        batch_size: int = 10,
        wait_seconds: int = 20,
        visibility_timeout: int = 30,
        retry_delay: int = 5,
        max_receives: int | None = None,
        give_up_after: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.handler = handler
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.visibility_timeout = visibility_timeout
        self.retry_delay = retry_delay
        self.max_receives = max_receives
        self.give_up_after = give_up_after
        self.clock = clock

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
        finished: list[tuple[dict, dict[str, Any]]] = []
        with VisibilityKeeper(
            self.sqs, self.queue_url, self.visibility_timeout, (m["ReceiptHandle"] for m in messages)
        ) as keeper:
            for position, message in enumerate(messages):
                if stop is not None and stop.is_set():
                    self._hand_back(messages[position:], keeper)
                    break
                outcome = self._handle(message, keeper)
                if outcome is not None:
                    finished.append((message, outcome))
            for message, _ in finished:
                keeper.forget(message["ReceiptHandle"])
        return self._delete(finished)

    def _handle(self, message: dict, keeper: VisibilityKeeper) -> dict[str, Any] | None:
        """The log fields of a handled message, or None if it failed (and will come back)."""
        receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        context: dict[str, Any] = {"message_id": message["MessageId"], "receive_count": receives}
        # The API request that queued the message, so its log lines and ours share one id.
        with request_id_of(message) as request_id, tracer.start_as_current_span(
            "handle message",
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "aws_sqs", "messaging.message.id": message["MessageId"],
                        "request_id": request_id},
        ):  # fmt: skip
            try:
                parsed = self.handler.parse(message["Body"])
            except UnreadableMessage as invalid:
                # Nothing to mark failed: the redrive policy dead-letters it after max_receives.
                logger.error("unreadable message", extra={**context, "error": str(invalid)})
                self._after_failure(message, keeper, receives, None, "unreadable message")
                return None
            context.update(self.handler.describe(parsed))
            logger.info("message received", extra=context)
            try:
                outcome = dict(self.handler.handle(parsed))
            except Exception as error:
                logger.exception("attempt failed", extra=context)
                self._after_failure(message, keeper, receives, parsed, f"{type(error).__name__}: {error}")
                return None
            return {**context, **outcome, "request_id": request_id}

    def _after_failure(self, message: dict, keeper: VisibilityKeeper, receives: int, parsed: Any, reason: str) -> None:
        last_delivery = self.max_receives is not None and receives >= self.max_receives
        if last_delivery and parsed is not None:
            try:
                self.handler.give_up(parsed, f"gave up after {receives} attempts: {reason}")
                logger.error("gave up on the message; it goes to the dead-letter queue")
            except Exception:
                logger.exception("could not record the failure; the message goes to the dead-letter queue")
        keeper.forget(message["ReceiptHandle"])
        # Visible again after the retry delay rather than the whole visibility timeout; the
        # last delivery at once, so SQS moves it to the dead-letter queue without delay.
        self._set_visibility(message, 0 if last_delivery else self.retry_delay)

    def _delete(self, finished: list[tuple[dict, dict[str, Any]]]) -> int:
        """Delete the finished messages in one call; returns how many went."""
        if not finished:
            return 0
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, (m, _) in enumerate(finished)]
        try:
            answer = self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        except Exception:
            logger.warning("could not delete finished messages; they will come back", exc_info=True)
            return 0
        failed = {entry["Id"] for entry in answer.get("Failed", [])}
        for index, (_, fields) in enumerate(finished):
            if str(index) in failed:
                logger.warning("could not delete a finished message; it will come back", extra=fields)
                continue
            with using_request_id(fields["request_id"]):
                logger.info("message deleted", extra={k: v for k, v in fields.items() if k != "request_id"})
        return len(finished) - len(failed)

    def _hand_back(self, messages: list[dict], keeper: VisibilityKeeper) -> None:
        for message in messages:
            keeper.forget(message["ReceiptHandle"])
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(messages)
        ]
        # Best effort: if this fails the messages come back when their visibility times out.
        with contextlib.suppress(Exception):
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)
        logger.info("stopping: handed back messages not started", extra={"messages": len(messages)})

    def _set_visibility(self, message: dict, seconds: int) -> None:
        with contextlib.suppress(Exception):  # best effort, as above
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=seconds
            )

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; the message in progress is finished first."""
        logger.info("worker started", extra={"queue_url": self.queue_url, "max_receives": self.max_receives})
        failing_since: float | None = None
        delay = 1.0
        while not stop.is_set():
            try:
                self.run_once(stop)
            except Exception as error:
                now = self.clock()
                failing_since = now if failing_since is None else failing_since
                if now - failing_since >= self.give_up_after:
                    logger.error("queue unreachable for too long; exiting", extra={"seconds": self.give_up_after})
                    raise QueueUnreachable(f"no successful receive for {self.give_up_after:.0f} s") from error
                logger.warning(
                    "receiving from the queue failed; retrying",
                    extra={"error": f"{type(error).__name__}: {error}", "retry_in_seconds": delay},
                )
                stop.wait(delay)
                delay = min(delay * 2, 30.0)
            else:
                failing_since, delay = None, 1.0
        logger.info("worker stopped")
