"""Consumes the module's queue: receive a batch, do each task, delete what is done."""

import logging
import threading
from typing import Any

from [[ cookiecutter.service_name ]].backend.schemas import TaskMessage
from [[ cookiecutter.service_name ]].backend.service import TaskService

logger = logging.getLogger(__name__)


class TaskConsumer:
    def __init__(self, sqs: Any, queue_url: str, tasks: TaskService, wait_seconds: int = 20) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.tasks = tasks
        self.wait_seconds = wait_seconds

    def run_once(self) -> int:
        """Long-poll one batch; returns how many messages were done and deleted."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=self.wait_seconds
        )
        done = 0
        for message in response.get("Messages", []):
            try:
                self.tasks.process(TaskMessage.model_validate_json(message["Body"]))
            except Exception:
                # Left on the queue: redelivered, then dead-lettered by the redrive policy.
                logger.exception("task failed", extra={"message_id": message["MessageId"]})
                continue
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            done += 1
        return done

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.run_once()
