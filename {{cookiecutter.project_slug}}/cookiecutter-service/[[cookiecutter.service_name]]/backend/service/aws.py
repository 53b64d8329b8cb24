"""SQS and S3 adapters for the task queue and store."""

from typing import Any

from [[ cookiecutter.service_name ]].backend.schemas import Task, TaskMessage
from stack.libs.request_ids import request_id_attributes


class SqsTaskQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def send(self, message: TaskMessage) -> None:
        # The id of the request that queued the task, for the worker's log lines.
        self.sqs.send_message(
            QueueUrl=self.queue_url, MessageBody=message.model_dump_json(), MessageAttributes=request_id_attributes()
        )


class S3TaskStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def save(self, task: Task) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=f"tasks/{task.task_id}.json", Body=task.model_dump_json().encode())

    def load(self, task_id: str) -> Task | None:
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=f"tasks/{task_id}.json")
        except self.s3.exceptions.NoSuchKey:
            return None
        return Task.model_validate_json(response["Body"].read())
