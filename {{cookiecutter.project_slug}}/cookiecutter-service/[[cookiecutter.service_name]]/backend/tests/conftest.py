from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from [[ cookiecutter.service_name ]].backend.schemas import Task, TaskMessage
from [[ cookiecutter.service_name ]].backend.service import TaskService
from [[ cookiecutter.service_name ]].backend.service.aws import S3TaskStore, SqsTaskQueue


class InMemoryQueue:
    def __init__(self) -> None:
        self.messages: list[TaskMessage] = []

    def send(self, message: TaskMessage) -> None:
        self.messages.append(message)


class InMemoryStore:
    def __init__(self) -> None:
        self.tasks: dict[str, Task] = {}

    def save(self, task: Task) -> None:
        self.tasks[task.task_id] = task

    def load(self, task_id: str) -> Task | None:
        return self.tasks.get(task_id)


@pytest.fixture
def queue() -> InMemoryQueue:
    return InMemoryQueue()


@pytest.fixture
def tasks(queue: InMemoryQueue) -> TaskService:
    return TaskService(queue=queue, store=InMemoryStore())


class AwsResources:
    """The module's queue and bucket in moto's in-process AWS mock."""

    def __init__(self) -> None:
        self.sqs = boto3.client("sqs", region_name="eu-west-1")
        s3 = boto3.client("s3", region_name="eu-west-1")
        self.queue_url = self.sqs.create_queue(QueueName="tasks")["QueueUrl"]
        s3.create_bucket(Bucket="results", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.tasks = TaskService(queue=SqsTaskQueue(self.sqs, self.queue_url), store=S3TaskStore(s3, "results"))


@pytest.fixture
def aws() -> Iterator[AwsResources]:
    with mock_aws():
        yield AwsResources()
