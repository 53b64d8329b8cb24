"""Hands work to the [[ cookiecutter.service_name ]] module through its queue, for other modules to use."""

import uuid
from typing import Any

from [[ cookiecutter.service_name ]].backend.schemas import TaskMessage, TaskRequest
from stack.libs.request_ids import request_id_attributes


class [[ cookiecutter.service_class ]]Publisher:
    """Queues a task for this module's worker; ``sqs`` is a boto3 SQS client."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def publish(self, text: str) -> str:
        message = TaskMessage(task_id=uuid.uuid4().hex, request=TaskRequest(text=text))
        # The caller's request id goes along, so this module's worker logs under it too.
        self.sqs.send_message(
            QueueUrl=self.queue_url, MessageBody=message.model_dump_json(), MessageAttributes=request_id_attributes()
        )
        return message.task_id
