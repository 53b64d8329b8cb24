"""Keeps received SQS messages hidden from other workers while they wait or are worked on."""

import logging
import threading
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)


class VisibilityKeeper:
    """A background thread extends the visibility of every message still held, every third
    of the visibility timeout (so a job shorter than that costs no call). ``forget`` a
    message before deleting or releasing it: it takes the same lock as an extension, so a
    late extension can never hide a released message.
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
