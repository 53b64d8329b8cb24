"""SQS and S3 adapters for the job queue and the job store."""

from typing import Any

from reports.backend.schemas import Job, JobMessage


class SqsJobQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def send(self, message: JobMessage) -> None:
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=message.model_dump_json())

    def check(self) -> None:
        self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])


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

    def load(self, job_id: str) -> Job | None:
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=self._key(job_id))
        except self.s3.exceptions.NoSuchKey:
            return None
        return Job.model_validate_json(response["Body"].read())
