"""SQS and S3 adapters of the job ports: one SQS message per job, one S3 object per job."""

import json
from typing import Any

from stack.libs.jobs.kind import JobKind
from stack.libs.jobs.model import Job, JobMessage
from stack.libs.jobs.ports import Stored
from stack.libs.request_ids import request_id_attributes

# 412: the condition failed. 409: a concurrent conditional write to the key won the race.
_LOST_RACE = {"PreconditionFailed", "ConditionalRequestConflict"}


class SqsJobQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def send(self, message: JobMessage[Any]) -> None:
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
    """One JSON object per job under ``jobs/<job_id>.json``, written with S3's conditional
    writes (If-None-Match to create, If-Match to store an outcome): no read before a write."""

    def __init__(self, s3: Any, bucket: str, kind: JobKind[Any, Any]) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.kind = kind

    def _key(self, job_id: str) -> str:
        return f"jobs/{job_id}.json"

    def _put(self, job: Job[Any, Any], **condition: str) -> str | None:
        try:
            answer = self.s3.put_object(
                Bucket=self.bucket,
                Key=self._key(job.job_id),
                Body=job.model_dump_json().encode(),
                ContentType="application/json",
                **condition,
            )
        except self.s3.exceptions.ClientError as error:
            if error.response["Error"]["Code"] in _LOST_RACE | {"NoSuchKey"}:
                return None
            raise
        return str(answer["ETag"])

    def create(self, job: Job[Any, Any]) -> str | None:
        return self._put(job, IfNoneMatch="*")

    def save_outcome(self, job: Job[Any, Any], version: str | None) -> bool:
        condition = {"IfMatch": version} if version else {"IfNoneMatch": "*"}
        return self._put(job, **condition) is not None

    def load(self, job_id: str) -> Stored | None:
        try:
            answer = self.s3.get_object(Bucket=self.bucket, Key=self._key(job_id))
        except self.s3.exceptions.NoSuchKey:
            return None
        return Stored(self.kind.parse_job(answer["Body"].read()), str(answer["ETag"]))
