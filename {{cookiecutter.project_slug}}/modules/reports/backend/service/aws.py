"""SQS and S3 adapters for the job queue and the job store."""

import json
from typing import Any

from reports.backend.schemas import Job, JobMessage
from stack.libs.request_ids import request_id_attributes


class SqsJobQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def send(self, message: JobMessage) -> None:
        # The id of the API request that queued the job, for the worker's log lines.
        self.sqs.send_message(
            QueueUrl=self.queue_url, MessageBody=message.model_dump_json(), MessageAttributes=request_id_attributes()
        )

    def check(self) -> None:
        self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])


def max_receives(sqs: Any, queue_url: str) -> int | None:
    """The queue's ``maxReceiveCount``: deliveries before SQS moves a message to the
    dead-letter queue, or None when the queue has no redrive policy."""
    # No "Attributes" at all in the answer when the queue has none of those asked for.
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
    if "RedrivePolicy" not in attributes:
        return None
    return int(json.loads(attributes["RedrivePolicy"])["maxReceiveCount"])


class S3JobStore:
    """One JSON object per job under ``jobs/<job_id>.json``."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def _key(self, job_id: str) -> str:
        return f"jobs/{job_id}.json"

    def save(self, job: Job) -> None:
        self.s3.put_object(
            Bucket=self.bucket,
            Key=self._key(job.job_id),
            Body=job.model_dump_json().encode(),
            ContentType="application/json",
        )

    def create(self, job: Job) -> bool:
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=self._key(job.job_id),
                Body=job.model_dump_json().encode(),
                ContentType="application/json",
                IfNoneMatch="*",  # S3 conditional write: fails if the key exists
            )
        except self.s3.exceptions.ClientError as error:
            # 412: the object exists. 409: a concurrent conditional write to it won the race.
            if error.response["Error"]["Code"] in {"PreconditionFailed", "ConditionalRequestConflict"}:
                return False
            raise
        return True

    def load(self, job_id: str) -> Job | None:
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=self._key(job_id))
        except self.s3.exceptions.NoSuchKey:
            return None
        return Job.model_validate_json(response["Body"].read())
