"""The whole-repository runtime: one module that cannot start stops everything, by pid."""

import json
import os
import sys
from pathlib import Path

import pytest

from stack.local.emulator import MotoEmulator
from stack.local.modules import ModuleParts, discover_modules, select
from stack.local.up import ModuleFailed, Repository
from stack.module_toml import DeclarationError

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


def make_module(root: Path, name: str, parts: list[str], declaration: str = "") -> None:
    for part in parts:
        (root / f"modules/{name}/backend/{part}").mkdir(parents=True)
    (root / f"modules/{name}/module.toml").write_text(declaration)


def test_modules_are_found_on_disk_with_what_they_declare_and_selected_by_name(tmp_path: Path) -> None:
    make_module(tmp_path, "billing", ["api", "worker"], 'uses = ["ledger"]\n[queue]\nmax_receives = 3\n')
    make_module(tmp_path, "ledger", ["worker"])
    (tmp_path / "modules/billing/backend/api/routes.py").write_text("from ledger.backend.public import X\n")
    found = discover_modules(tmp_path)
    assert [(m.name, m.has_api, m.has_worker, m.uses) for m in found] == [
        ("billing", True, True, ("ledger",)),
        ("ledger", False, True, ()),
    ]
    assert found[0].declaration.queue.max_receives == 3
    assert [m.name for m in select(found, "ledger")] == ["ledger"]
    # A module brings the modules it sends work to.
    assert [m.name for m in select(found, "billing")] == ["billing", "ledger"]
    with pytest.raises(ValueError, match="no module named nope"):
        select(found, "billing,nope")


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ("", r'imports the public package of ledger but its module.toml does not say so: set uses = \["ledger"\]'),
        ('uses = ["ledger", "nope"]', "uses nope, which is not a module here"),
        ("[queue]\nmax_receive = 3", r"\[queue\] unknown setting max_receive"),
        ("[queue]\nmax_receives = 0", "max_receives must be a whole number from 1 to 1000"),
        ('uses = ["billing"]', "a module does not use itself"),
        ('uses = ["ledger"]\n[database]', r"declares \[database\] but \S+/billing/backend/database is missing"),
        ('uses = ["ledger"]\ndatabase = true', r"database must be a table: write \[database\]"),
        ('uses = ["ledger"]\n[database]\nsize = 2', r"\[database\] takes no settings \(size\)"),
    ],
)
def test_a_wrong_declaration_is_refused_naming_the_file_and_the_fix(tmp_path: Path, declaration, message) -> None:
    make_module(tmp_path, "billing", ["api"], declaration)
    make_module(tmp_path, "ledger", ["worker"])
    (tmp_path / "modules/billing/backend/api/routes.py").write_text("from ledger.backend.public import X\n")
    with pytest.raises(DeclarationError, match=message):
        discover_modules(tmp_path)


def test_a_database_is_what_module_toml_declares_and_its_code_must_be_there(tmp_path: Path) -> None:
    make_module(tmp_path, "billing", ["api", "worker", "database"], "[database]\n")
    make_module(tmp_path, "ledger", ["worker", "database"])
    with pytest.raises(DeclarationError, match=r"ledger/backend/database exists but \S+ does not declare it"):
        discover_modules(tmp_path)
    (tmp_path / "modules/ledger/module.toml").write_text("[database]\n")
    assert [(m.name, m.has_database) for m in discover_modules(tmp_path)] == [("billing", True), ("ledger", True)]


def test_a_module_without_module_toml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "modules/billing/backend").mkdir(parents=True)
    with pytest.raises(DeclarationError, match="billing/module.toml is missing"):
        discover_modules(tmp_path)
