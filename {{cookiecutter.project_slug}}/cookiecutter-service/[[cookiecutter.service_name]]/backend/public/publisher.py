"""Hands tasks to the [[ cookiecutter.service_name ]] worker through its queue, for other modules to use.

The worker stores the outcome; the module's client reads it once it is done.
"""

import uuid
from typing import Any

from [[ cookiecutter.service_name ]].backend.schemas import JobMessage, TaskRequest
from stack.libs.request_ids import request_id_attributes


class [[ cookiecutter.service_class ]]Publisher:
    """Queues a task for the [[ cookiecutter.service_name ]] worker; ``sqs`` is a boto3 SQS client of the caller's
    (its role may send to this queue: see docs/services.md, "Using another module")."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def publish(self, request: TaskRequest) -> str:
        """Queue the task; returns its job id."""
        message = JobMessage[TaskRequest](job_id=uuid.uuid4().hex, request=request)
        # The caller's request id goes along, so the worker logs under it too.
        self.sqs.send_message(
            QueueUrl=self.queue_url, MessageBody=message.model_dump_json(), MessageAttributes=request_id_attributes()
        )
        return message.job_id
