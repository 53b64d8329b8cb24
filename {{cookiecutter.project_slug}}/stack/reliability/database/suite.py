"""Process proofs for a module with a database, beside stack.reliability.process_suite: a
module's test_reliability.py runs them with ``from stack.reliability.database.suite import *``.

The module's conftest.py provides ``module_settings`` (the environment of a fresh, migrated
database on the session's ``postgres`` server) and ``recorded_job_ids`` (the job ids of the
rows its work wrote, one entry per row).
"""

import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from stack.libs.database.server import PostgresServer
from stack.local.emulator import MotoEmulator
from stack.local.load import wait_for_jobs
from stack.local.module import LocalModule, log_lines
from stack.local.processes import wait_until
from stack.reliability.target import ReliabilityTarget

__all__ = [
    "test_a_database_restart_mid_run_loses_no_job",
    "test_a_worker_killed_after_its_database_write_writes_no_second_row",
]

pytestmark = pytest.mark.reliability


def submit_all(url: str, target: ReliabilityTarget, count: int) -> list[str]:
    with httpx.Client(base_url=url, timeout=10) as http:
        answers = [http.post(target.jobs_path, json=target.request(i)) for i in range(count)]
    assert [answer.status_code for answer in answers] == [202] * count, [answer.text for answer in answers]
    return [answer.json()["job_id"] for answer in answers]


def test_a_worker_killed_after_its_database_write_writes_no_second_row(
    deployment: LocalModule,
    reliability_target: ReliabilityTarget,
    recorded_job_ids: Callable[[], list[str]],
) -> None:
    api = deployment.start_api()
    # Dies after the first job's row is committed, before the message is deleted.
    first = deployment.start_worker(
        "worker-1", args=["stack.reliability.scripted_worker", deployment.module], env={"FAULT_EXIT_AFTER_WORK": "1"}
    )
    job_ids = submit_all(api.url, reliability_target, 3)
    assert first.wait(timeout=30) == 137
    assert len(recorded_job_ids()) == 1, "the killed worker wrote no row (or more than one)"

    deployment.start_worker("worker-2")
    final = wait_for_jobs(api.url, reliability_target.jobs_path, job_ids, timeout=60)
    assert [final[job_id]["state"] for job_id in job_ids] == ["done"] * 3
    # The redelivered message found its row and wrote none: one row per job.
    assert sorted(recorded_job_ids()) == sorted(job_ids)


def test_a_database_restart_mid_run_loses_no_job(
    reliability_target: ReliabilityTarget,
    emulator: MotoEmulator,
    postgres: PostgresServer,
    module_settings: dict[str, str],
    recorded_job_ids: Callable[[], list[str]],
    tmp_path: Path,
) -> None:
    prefix = f"{reliability_target.module.upper()}_"
    local = LocalModule(
        reliability_target.module,
        emulator,
        tmp_path,
        name=f"t{uuid.uuid4().hex[:12]}",
        # Retries 1 s apart and many deliveries: the jobs outlast the outage.
        settings={
            f"{prefix}RECEIVE_WAIT_SECONDS": "1",
            f"{prefix}VISIBILITY_TIMEOUT_SECONDS": "5",
            f"{prefix}RETRY_DELAY_SECONDS": "1",
            **module_settings,
        },
        max_receives=30,
    )
    local.create_resources()
    try:
        api = local.start_api()
        worker = local.start_worker(
            "worker", args=["stack.reliability.scripted_worker", local.module], env={"FAULT_SLOW_SECONDS": "0.3"}
        )
        job_ids = submit_all(api.url, reliability_target, 8)
        wait_until(
            lambda: any(line.get("message") == "job done, result stored" for line in log_lines(worker)),
            timeout=30,
            what="the first job to finish",
        )
        postgres.stop()  # by pid, mid-run
        wait_until(
            lambda: any(line.get("message") == "attempt failed" for line in log_lines(worker)),
            timeout=30,
            what="an attempt to fail while the database is down",
        )
        postgres.start()
        final = wait_for_jobs(api.url, reliability_target.jobs_path, job_ids, timeout=90)
        assert [final[job_id]["state"] for job_id in job_ids] == ["done"] * 8
        assert sorted(recorded_job_ids()) == sorted(job_ids)
        assert worker.running(), "the worker must ride out the outage, not exit"
    finally:
        local.stop()
        if not postgres.running():
            postgres.start()
