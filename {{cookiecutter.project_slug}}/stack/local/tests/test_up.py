"""The whole-repository runtime: one module that cannot start stops everything, by pid."""

import json
import os
import sys
from pathlib import Path

import pytest

from stack.local.emulator import MotoEmulator
from stack.local.modules import ModuleParts, discover_modules, select
from stack.local.up import ModuleFailed, Repository

# Stands in for a worker PEX: says it started, then waits to be stopped.
IDLE_WORKER = [sys.executable, "-c", f"print({json.dumps(json.dumps({'message': 'worker started'}))}, flush=True)\n"
               "import time\nwhile True: time.sleep(1)"]  # fmt: skip
BROKEN_API = [sys.executable, "-c", "import sys; print('cannot import the app'); sys.exit(3)"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")  # a zombie has exited
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_a_module_that_cannot_start_is_named_and_nothing_is_left_running(tmp_path: Path) -> None:
    emulator = MotoEmulator(tmp_path, "eu-west-1").start()
    parts = [ModuleParts("alpha", has_api=False, has_worker=True), ModuleParts("broken", has_api=True, has_worker=True)]
    repository = Repository(emulator, tmp_path, parts, tmp_path)
    repository.modules["alpha"].worker_command = IDLE_WORKER
    repository.modules["broken"].api_command = BROKEN_API
    try:
        with pytest.raises(ModuleFailed, match="module 'broken' could not start") as failed:
            repository.start()
        assert "cannot import the app" in str(failed.value)
        started = [process.pid for process in repository.modules["alpha"].processes.processes]
        assert started and all(alive(pid) for pid in started)
    finally:
        repository.stop()
        emulator.stop()
    assert not [pid for pid in started if alive(pid)]
    assert not alive(emulator.process.pid)


def test_modules_are_found_on_disk_with_what_they_use_and_selected_by_name(tmp_path: Path) -> None:
    for module, parts in (("billing", ["api", "worker"]), ("ledger", ["worker"])):
        for part in parts:
            (tmp_path / f"modules/{module}/backend/{part}").mkdir(parents=True)
    (tmp_path / "modules/billing/backend/api/routes.py").write_text("from ledger.backend.public import X\n")
    found = discover_modules(tmp_path)
    assert found == [ModuleParts("billing", True, True, uses=("ledger",)), ModuleParts("ledger", False, True)]
    assert select(found, "ledger") == [ModuleParts("ledger", False, True)]
    with pytest.raises(ValueError, match="no module named nope"):
        select(found, "billing,nope")
