import socket
from pathlib import Path

import pytest

from stack.local.emulator import MotoEmulator


@pytest.fixture
def emulator(tmp_path: Path):
    moto = MotoEmulator(tmp_path, "eu-west-1").start()
    try:
        yield moto
    finally:
        moto.stop()


def test_emulator_serves_sqs_and_s3_on_loopback(emulator: MotoEmulator) -> None:
    assert emulator.endpoint_url.startswith("http://127.0.0.1:")
    sqs = emulator.client("sqs")
    queue_url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody="hello")
    (message,) = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    assert message["Body"] == "hello"

    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="results", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="results", Key="a.json", Body=b"{}")
    assert s3.get_object(Bucket="results", Key="a.json")["Body"].read() == b"{}"


def test_aws_env_points_sdks_at_the_emulator_with_fake_credentials(emulator: MotoEmulator) -> None:
    env = emulator.aws_env()
    assert env["AWS_ENDPOINT_URL"] == emulator.endpoint_url
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"


def test_stop_ends_the_process_and_frees_the_port(tmp_path: Path) -> None:
    moto = MotoEmulator(tmp_path, "eu-west-1").start()
    port = moto.port
    assert port is not None
    moto.stop()
    assert not moto.process.running()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
