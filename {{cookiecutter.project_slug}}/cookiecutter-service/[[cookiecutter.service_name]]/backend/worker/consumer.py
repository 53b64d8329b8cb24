"""Consumes the module's queue: receive a batch, do each task, delete what is done."""

import logging
import threading
from typing import Any

from [[ cookiecutter.service_name ]].backend.schemas import TaskMessage
from [[ cookiecutter.service_name ]].backend.service import TaskService
from stack.libs.request_ids import REQUEST_ID_ATTRIBUTE, request_id_of

logger = logging.getLogger(__name__)


class TaskConsumer:
    def __init__(
        self, sqs: Any, queue_url: str, tasks: TaskService, wait_seconds: int = 20, batch_size: int = 10
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.tasks = tasks
        self.wait_seconds = wait_seconds
        self.batch_size = batch_size

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Long-poll one batch; returns how many messages were done and deleted.

        Once ``stop`` is set, the messages not yet started are handed back at once.
        """
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            MessageAttributeNames=[REQUEST_ID_ATTRIBUTE],
        )
        messages = response.get("Messages", [])
        done = 0
        for position, message in enumerate(messages):
            if stop is not None and stop.is_set():
                self._hand_back(messages[position:])
                break
            done += self._handle(message)
        return done

    def _handle(self, message: dict) -> bool:
        # Log lines carry the id of the request that queued the task.
        with request_id_of(message):
            try:
                task = self.tasks.process(TaskMessage.model_validate_json(message["Body"]))
            except Exception:
                # Left on the queue: redelivered, then dead-lettered by the redrive policy.
                logger.exception("task failed", extra={"message_id": message["MessageId"]})
                return False
            # Deleted only once the result is stored: a crash before this means a redelivery,
            # which process() handles without redoing finished work.
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            logger.info("task done", extra={"task_id": task.task_id, "message_id": message["MessageId"]})
            return True

    def _hand_back(self, messages: list[dict]) -> None:
        entries = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0}
            for index, message in enumerate(messages)
        ]
        self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)
        logger.info("stopping: handed back messages not started", extra={"messages": len(messages)})

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.run_once(stop)
