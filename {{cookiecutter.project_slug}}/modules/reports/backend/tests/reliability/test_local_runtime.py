"""The local runtime itself: `local:up` runs, demonstrates a job, stops on Ctrl-C and
leaves no process behind; the compose setup script works on its own."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reports.backend.local import resources
from stack.local.emulator import MotoEmulator
from stack.local.processes import python_env, wait_until

pytestmark = pytest.mark.reliability

UP = [sys.executable, "-m", "reports.backend.local.up"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")  # a zombie has exited
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def child_pids(output: str) -> list[int]:
    started = re.search(r"started: moto pid (\d+), api pid (\d+), worker pid (\d+)", output)
    assert started, output
    return [int(pid) for pid in started.groups()]


def test_demo_runs_one_job_end_to_end_and_stops_everything(tmp_path: Path) -> None:
    done = subprocess.run(
        [*UP, "--demo", "--run-dir", str(tmp_path)],  # noqa: S603 - this interpreter, our module
        env=python_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for step in ("job queued", "job received", "job done, result stored", "message deleted", "status=200"):
        assert step in done.stdout, f"{step!r} missing from the journey:\n{done.stdout}"
    assert '"state": "done"' in done.stdout
    assert not [pid for pid in child_pids(done.stdout) if alive(pid)]


def test_up_serves_until_ctrl_c_then_stops_every_child(tmp_path: Path) -> None:
    output = tmp_path / "up.out"
    with open(output, "w") as sink:
        up = subprocess.Popen(
            [*UP, "--run-dir", str(tmp_path)],  # noqa: S603 - this interpreter, our module
            env=python_env(),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: "Ctrl-C stops everything" in output.read_text(), timeout=90, what="the banner")
        text = output.read_text()
        assert re.search(r"curl -s -X POST http://127\.0\.0\.1:\d+/reports", text)
        pids = child_pids(text)
        assert all(alive(pid) for pid in pids)

        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=60) == 0
        assert not [pid for pid in pids if alive(pid)]
        assert "stopping the worker, the API and the emulator" in output.read_text()
    finally:
        up.kill()
        up.wait(10)


def test_compose_setup_script_runs_alone_and_twice(tmp_path: Path) -> None:
    emulator = MotoEmulator(tmp_path, "eu-west-1").start()
    try:
        env = python_env(emulator.aws_env())
        for _ in range(2):  # creating what exists is a no-op
            run = subprocess.run(
                [sys.executable, resources.__file__],  # noqa: S603 - this interpreter, our script
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert run.returncode == 0, run.stderr
        assert resources.QUEUE_NAME in run.stdout and resources.BUCKET_NAME in run.stdout
        sqs = emulator.client("sqs")
        queue_url = sqs.get_queue_url(QueueName=resources.QUEUE_NAME)["QueueUrl"]
        policy = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]
        redrive = json.loads(policy["RedrivePolicy"])
        assert int(redrive["maxReceiveCount"]) == resources.MAX_RECEIVES
        assert redrive["deadLetterTargetArn"].endswith(f":{resources.QUEUE_NAME}-dlq")
    finally:
        emulator.stop()
