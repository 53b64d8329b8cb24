"""A small kind of job for the platform's own tests: count the words of a text."""

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from pydantic import BaseModel, ConfigDict

from stack.libs.jobs import Job, JobKind, JobRefused, JobService
from stack.libs.jobs.aws import S3JobStore, SqsJobQueue
from stack.libs.jobs.memory import InMemoryJobQueue, InMemoryJobStore


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    text: str


class Count(BaseModel):
    words: int


class CountJob(Job[Text, Count]):
    pass


def count_words(request: Text) -> Count:
    if request.text == "refuse":
        raise JobRefused("refused by the rules")
    if request.text == "explode":
        raise ConnectionError("the store is unreachable")
    return Count(words=len(request.text.split()))


COUNT = JobKind(name="count", request_model=Text, result_model=Count, job_model=CountJob, work=count_words)


class MemoryJobs(JobService[Text, Count]):
    """The service on in-memory ports, typed as such for the tests."""

    queue: InMemoryJobQueue
    store: InMemoryJobStore


@pytest.fixture
def memory_jobs() -> MemoryJobs:
    return MemoryJobs(COUNT, InMemoryJobQueue(), InMemoryJobStore(), hmac_key="test-key")


class AwsJobs:
    """The kind's queue (with a dead-letter queue after 2 deliveries) and bucket in moto."""

    def __init__(self, max_receives: int = 2) -> None:
        self.sqs = boto3.client("sqs", region_name="eu-west-1")
        self.s3 = boto3.client("s3", region_name="eu-west-1")
        dlq = self.sqs.create_queue(QueueName="count-jobs-dlq")["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receives)})
        self.queue_url = self.sqs.create_queue(QueueName="count-jobs", Attributes={"RedrivePolicy": redrive})[
            "QueueUrl"
        ]
        self.dead_letter_url = dlq
        self.s3.create_bucket(Bucket="count-results", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.store = S3JobStore(self.s3, "count-results", COUNT)
        self.jobs = JobService(COUNT, SqsJobQueue(self.sqs, self.queue_url), self.store, hmac_key="test-key")

    def depth(self, queue_url: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture
def aws() -> Iterator[AwsJobs]:
    with mock_aws():
        yield AwsJobs()
