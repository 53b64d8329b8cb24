"""Consumes the reports queue: receive a batch, process each job, delete what is done."""

import logging
import threading
from typing import Any

from pydantic import ValidationError

from reports.backend.schemas import JobMessage
from reports.backend.service import ReportJobs
from stack.libs.json_logging import request_id

logger = logging.getLogger(__name__)


class JobConsumer:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        jobs: ReportJobs,
        batch_size: int = 10,
        wait_seconds: int = 20,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.jobs = jobs
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds

    def run_once(self) -> int:
        """Long-poll for one batch and handle it; returns how many messages were done."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        done = 0
        for message in response.get("Messages", []):
            if self._handle(message):
                done += 1
        return done

    def _handle(self, message: dict) -> bool:
        token = request_id.set(message["MessageId"])
        try:
            job_message = JobMessage.model_validate_json(message["Body"])
            self.jobs.process(job_message)
        except ValidationError:
            # Never valid, so never retried: the queue's redrive policy moves it to the
            # dead-letter queue after the configured number of receives.
            logger.error("malformed message left for the dead-letter queue", exc_info=True)
            return False
        except Exception:
            logger.exception("job failed; the message will be redelivered")
            return False
        finally:
            request_id.reset(token)
        # Deleted only once the result is stored: a crash before this line means a
        # redelivery, which process() handles without redoing finished work.
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return True

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; the batch in hand is finished first."""
        logger.info("worker started", extra={"queue_url": self.queue_url})
        while not stop.is_set():
            self.run_once()
        logger.info("worker stopped")
