"""Proofs on real processes on loopback: the moto server, the module's API server and its
worker (the real entry points, or the scripted worker with faults). A module's test file
runs them with ``from stack.reliability.process_suite import *`` beside a
``reliability_target`` fixture (see stack.reliability.target).
"""

import json
import signal
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from stack.local.emulator import MotoEmulator
from stack.local.load import LoadPlan, read_jobs, submit_jobs, wait_for_jobs
from stack.local.module import LocalModule, log_lines
from stack.local.processes import ManagedProcess, wait_until
from stack.reliability.target import ReliabilityTarget, module_settings

__all__ = [
    "deployment",
    "emulator",
    "test_a_poison_message_is_marked_failed_and_dead_lettered",
    "test_bad_http_input_gets_the_right_answer_and_the_server_keeps_serving",
    "test_bounded_load_run_has_no_errors_and_loses_no_job",
    "test_sigkill_mid_job_then_restart_does_every_job_exactly_once",
    "test_sigterm_during_work_loses_nothing",
]

pytestmark = pytest.mark.reliability
MAX_RECEIVES = 3


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoEmulator]:
    """One moto server per test module; each test gets its own queues and bucket in it."""
    moto = MotoEmulator(tmp_path_factory.mktemp("moto"), "eu-west-1").start()
    try:
        yield moto
    finally:
        moto.stop()


@pytest.fixture
def deployment(
    reliability_target: ReliabilityTarget, emulator: MotoEmulator, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[LocalModule]:
    """A fresh queue, dead-letter queue and versioned bucket; the test starts the API and
    workers it needs, and they are all stopped here, by pid."""
    module = reliability_target.module
    prefix = f"{module.upper()}_"
    local = LocalModule(
        module,
        emulator,
        tmp_path,
        name=f"t{uuid.uuid4().hex[:12]}",
        # Short waits so faults play out in seconds: a 1 s long poll, a 3 s visibility
        # timeout (what a killed worker's messages wait before redelivery), no retry delay.
        settings={
            f"{prefix}RECEIVE_WAIT_SECONDS": "1",
            f"{prefix}VISIBILITY_TIMEOUT_SECONDS": "3",
            f"{prefix}RETRY_DELAY_SECONDS": "0",
            f"{prefix}SHUTDOWN_TIMEOUT_SECONDS": "15",
            f"{prefix}MAX_BODY_BYTES": "4096",
            **module_settings(request),
        },
        max_receives=MAX_RECEIVES,
        versioned_bucket=True,
    )
    local.create_resources()
    try:
        yield local
    finally:
        local.stop()


def scripted_worker(deployment: LocalModule, name: str = "worker", **faults: str) -> ManagedProcess:
    return deployment.start_worker(name, args=["stack.reliability.scripted_worker", deployment.module], env=faults)


def messages(process: ManagedProcess, message: str) -> list[dict]:
    return [line for line in log_lines(process) if line.get("message") == message]


def submit(http: httpx.Client, target: ReliabilityTarget, index: int) -> str:
    response = http.post(target.jobs_path, json=target.request(index))
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def stored_versions(deployment: LocalModule) -> dict[str, int]:
    """How many times each job record was written (the bucket keeps every version)."""
    assert deployment.resources is not None
    s3 = deployment.emulator.client("s3")
    counts: dict[str, int] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=deployment.resources.bucket_name):
        for version in page.get("Versions", []):
            job_id = version["Key"].removeprefix("jobs/").removesuffix(".json")
            counts[job_id] = counts.get(job_id, 0) + 1
    return counts


def queue_depth(deployment: LocalModule, queue_url: str) -> int:
    attributes = deployment.emulator.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def assert_each_job_stored_once(deployment: LocalModule, job_ids: list[str]) -> None:
    # One write when the API queued the job, one when the worker stored its outcome: a
    # job whose outcome was stored twice would have a third.
    assert stored_versions(deployment) == {job_id: 2 for job_id in job_ids}


def test_sigkill_mid_job_then_restart_does_every_job_exactly_once(
    deployment: LocalModule, reliability_target: ReliabilityTarget
) -> None:
    api = deployment.start_api()
    first = scripted_worker(deployment, "worker-1", FAULT_SLOW_SECONDS="0.4")
    count = 8
    with httpx.Client(base_url=api.url, timeout=10) as http:
        job_ids = [submit(http, reliability_target, i) for i in range(count)]

    # Once the first result is stored the next job is in progress: kill the worker then.
    wait_until(lambda: messages(first, "job done, result stored"), timeout=30, what="the first job to finish")
    first.kill()
    assert len(messages(first, "job done, result stored")) < count, "the worker finished everything first"

    second = scripted_worker(deployment, "worker-2")
    final = wait_for_jobs(api.url, reliability_target.jobs_path, job_ids, timeout=60)
    assert [final[job_id]["state"] for job_id in job_ids] == ["done"] * count
    assert deployment.resources is not None
    queue_url = deployment.resources.queue_url
    wait_until(lambda: queue_depth(deployment, queue_url) == 0, 30, what="an empty queue")
    assert_each_job_stored_once(deployment, job_ids)
    # The killed worker's messages came back once their visibility timed out.
    assert any(line["receive_count"] >= 2 for line in messages(second, "message received"))


def test_sigterm_during_work_loses_nothing(deployment: LocalModule, reliability_target: ReliabilityTarget) -> None:
    api = deployment.start_api()
    worker = scripted_worker(deployment, FAULT_SLOW_SECONDS="0.5")
    count = 6
    with httpx.Client(base_url=api.url, timeout=10) as http:
        job_ids = [submit(http, reliability_target, i) for i in range(count)]

    wait_until(lambda: messages(worker, "message received"), timeout=30, what="the worker to start a job")
    worker.signal(signal.SIGTERM)
    # The bound: one long poll (1 s) and the batch's jobs in hand, far below the 15 s hard stop.
    assert worker.wait(timeout=20) == 0
    received = {line["job_id"] for line in messages(worker, "message received")}
    deleted = {line["job_id"] for line in messages(worker, "message deleted")}
    assert received and received == deleted, "a job the worker had started was left unfinished"
    assert messages(worker, "worker stopped")

    scripted_worker(deployment, "worker-2")
    final = wait_for_jobs(api.url, reliability_target.jobs_path, job_ids, timeout=60)
    assert [final[job_id]["state"] for job_id in job_ids] == ["done"] * count
    assert_each_job_stored_once(deployment, job_ids)


def test_a_poison_message_is_marked_failed_and_dead_lettered(
    deployment: LocalModule, reliability_target: ReliabilityTarget
) -> None:
    api = deployment.start_api()
    poison_request = reliability_target.request(999)
    worker = scripted_worker(deployment, FAULT_FAIL_REQUEST=json.dumps(poison_request))
    with httpx.Client(base_url=api.url, timeout=10) as http:
        poison, healthy = submit(http, reliability_target, 999), submit(http, reliability_target, 1)
        final = wait_for_jobs(api.url, reliability_target.jobs_path, [poison, healthy], timeout=60)
    assert final[healthy]["state"] == "done"
    assert final[poison]["state"] == "failed"
    assert final[poison]["error"] == (
        f"gave up after {MAX_RECEIVES} attempts: ConnectionError: scripted failure: the store is unreachable"
    )
    assert len(messages(worker, "attempt failed")) == MAX_RECEIVES

    assert deployment.resources is not None
    dead_letters = deployment.resources.dead_letter_queue_url
    wait_until(lambda: queue_depth(deployment, dead_letters) == 1, timeout=30, what="the message in the DLQ")
    (dead,) = deployment.emulator.client("sqs").receive_message(QueueUrl=dead_letters)["Messages"]
    assert json.loads(dead["Body"])["job_id"] == poison
    assert queue_depth(deployment, deployment.resources.queue_url) == 0
    assert worker.running()


def test_bad_http_input_gets_the_right_answer_and_the_server_keeps_serving(
    deployment: LocalModule, reliability_target: ReliabilityTarget
) -> None:
    api = deployment.start_api()
    path = reliability_target.jobs_path
    json_type = {"content-type": "application/json"}
    with httpx.Client(base_url=api.url, timeout=10) as http:
        for name, send, status in [
            ("malformed JSON", lambda: http.post(path, content=b'{"a": [1,', headers=json_type), 422),
            ("unknown field", lambda: http.post(path, json={**reliability_target.request(1), "zz": 1}), 422),
            ("oversized body", lambda: http.post(path, content=b" " * 8000, headers=json_type), 413),
            ("oversized stream", lambda: http.post(path, content=(b" " * 1024 for _ in range(8)), headers=json_type),
             413),
            ("unknown job", lambda: http.get(f"{path}/{'a' * 32}"), 404),
            ("wrong method", lambda: http.delete(path), 405),
        ]:  # fmt: skip
            response = send()
            assert response.status_code == status, f"{name}: {response.status_code} {response.text}"
            assert response.headers["x-request-id"], name
            assert http.get("/health").status_code == 200, f"not serving after {name}"
        # Not even HTTP: uvicorn answers 400 and the server goes on.
        host, port = api.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            raw.sendall(b"\x16\x03\x01 this is not http\r\n\r\n")
            assert raw.recv(64).startswith(b"HTTP/1.1 400")
        assert http.post(path, json=reliability_target.request(1)).status_code == 202
    assert api.process.running()


def test_bounded_load_run_has_no_errors_and_loses_no_job(
    deployment: LocalModule, reliability_target: ReliabilityTarget
) -> None:
    api = deployment.start_api()
    deployment.start_worker()
    path, count, concurrency = reliability_target.jobs_path, 60, 8
    bodies = [reliability_target.request(i) for i in range(count)]
    submitted = submit_jobs(api.url, path, bodies, concurrency)
    assert submitted.errors == []
    job_ids = [outcome.body["job_id"] for outcome in submitted.outcomes if outcome.body]
    assert len(set(job_ids)) == count

    # Clients retrying with an Idempotency-Key get the job they already have.
    retried = LoadPlan(
        api.url, 20, concurrency,
        lambda http, index: http.post(path, json=bodies[index % 10], headers={"Idempotency-Key": f"k{index % 10}"}),
        expected_status=202,
    )  # fmt: skip
    first_pass, second_pass = retried.run(), retried.run()
    assert first_pass.errors == second_pass.errors == []
    keyed = {outcome.body["job_id"] for outcome in first_pass.outcomes + second_pass.outcomes if outcome.body}
    assert len(keyed) == 10

    all_ids = job_ids + sorted(keyed)
    final = wait_for_jobs(api.url, path, all_ids, timeout=90)
    assert sorted(job["state"] for job in final.values()) == ["done"] * len(all_ids)
    for outcome in submitted.outcomes:
        assert outcome.body is not None
        assert reliability_target.check_result(bodies[outcome.index], final[outcome.body["job_id"]])
    assert read_jobs(api.url, path, all_ids, concurrency).errors == []
    assert set(stored_versions(deployment)) == set(all_ids)  # nothing stored that was not asked for
    assert deployment.resources is not None
    assert queue_depth(deployment, deployment.resources.dead_letter_queue_url) == 0
