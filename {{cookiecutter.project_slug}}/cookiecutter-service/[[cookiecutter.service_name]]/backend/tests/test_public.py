import boto3
[% if cookiecutter.has_api == "yes" %]import pytest
from fastapi.testclient import TestClient
[% endif %]from moto import mock_aws

[% if cookiecutter.has_api == "yes" %]from [[ cookiecutter.service_name ]].backend.api.app import create_app
from [[ cookiecutter.service_name ]].backend.api.dependencies import get_jobs
[% endif %]from [[ cookiecutter.service_name ]].backend.public import (
[% if cookiecutter.has_api == "yes" %]    [[ cookiecutter.service_class ]]Client,
[% endif %]    [[ cookiecutter.service_class ]]Publisher,
[% if cookiecutter.has_api == "yes" %]    JobState,
    TaskNotFound,
[% endif %]    TaskRequest,
)
from [[ cookiecutter.service_name ]].backend.service import JOBS
[% if cookiecutter.has_api == "yes" %]from stack.libs.jobs import JobService
from stack.libs.jobs.memory import InMemoryJobQueue, InMemoryJobStore


def test_client_round_trip() -> None:
    queue = InMemoryJobQueue()
    jobs = JobService(JOBS, queue, InMemoryJobStore(), hmac_key="k")
    app = create_app()
    app.dependency_overrides[get_jobs] = lambda: jobs
    with TestClient(app) as http:
        client = [[ cookiecutter.service_class ]]Client(http=http)
        job = client.submit(TaskRequest(text="hello there"), idempotency_key="k")
        jobs.process(queue.messages[0])
        done = client.get(job.job_id)
        assert done.state is JobState.DONE and done.result is not None and done.result.words == 2
        with pytest.raises(TaskNotFound):
            client.get("f" * 32)
[% endif %]

@mock_aws
def test_publisher_queues_a_job_the_worker_reads() -> None:
    sqs = boto3.client("sqs", region_name="eu-west-1")
    queue_url = sqs.create_queue(QueueName="[[ cookiecutter.service_name.replace('_', '-') ]]-jobs")["QueueUrl"]
    job_id = [[ cookiecutter.service_class ]]Publisher(sqs, queue_url).publish(TaskRequest(text="from elsewhere"))
    (message,) = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    parsed = JOBS.message_model.model_validate_json(message["Body"])
    assert (parsed.job_id, parsed.request.text, parsed.version) == (job_id, "from elsewhere", None)
