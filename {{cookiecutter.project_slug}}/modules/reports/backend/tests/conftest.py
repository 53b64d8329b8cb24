from collections.abc import Iterator

import boto3
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws

from reports.backend.api.app import create_app
from reports.backend.api.dependencies import get_jobs
from reports.backend.schemas import Job, JobMessage
from reports.backend.service import ReportJobs
from reports.backend.service.aws import S3JobStore, SqsJobQueue


class InMemoryQueue:
    def __init__(self) -> None:
        self.messages: list[JobMessage] = []
        self.reachable = True

    def send(self, message: JobMessage) -> None:
        self.messages.append(message)

    def check(self) -> None:
        if not self.reachable:
            raise ConnectionError("queue down")


class InMemoryStore:
    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.saves = 0

    def save(self, job: Job) -> None:
        self.saves += 1
        self.jobs[job.job_id] = job

    def create(self, job: Job) -> bool:
        if job.job_id in self.jobs:
            return False
        self.save(job)
        return True

    def load(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)


@pytest.fixture
def queue() -> InMemoryQueue:
    return InMemoryQueue()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def jobs(queue: InMemoryQueue, store: InMemoryStore) -> ReportJobs:
    return ReportJobs(queue=queue, store=store)


@pytest.fixture
def client(jobs: ReportJobs) -> Iterator[TestClient]:
    app = create_app()
    app.dependency_overrides[get_jobs] = lambda: jobs
    with TestClient(app) as test_client:
        yield test_client


class AwsResources:
    def __init__(self) -> None:
        self.sqs = boto3.client("sqs", region_name="eu-west-1")
        self.s3 = boto3.client("s3", region_name="eu-west-1")
        self.queue_url = self.sqs.create_queue(QueueName="reports-jobs")["QueueUrl"]
        self.bucket = "reports-results"
        self.s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.jobs = ReportJobs(
            queue=SqsJobQueue(self.sqs, self.queue_url),
            store=S3JobStore(self.s3, self.bucket),
        )

    def visible_messages(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture
def aws() -> Iterator[AwsResources]:
    """The module's queue and bucket in moto's in-process AWS mock."""
    with mock_aws():
        yield AwsResources()
