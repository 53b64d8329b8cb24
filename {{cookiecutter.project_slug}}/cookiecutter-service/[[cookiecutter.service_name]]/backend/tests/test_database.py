"""The [[ cookiecutter.service_name ]] database on a real PostgreSQL (stack.libs.database.testing: one server per
session, stopped by its pid; a new database per test): the migrations both ways, the tables
they make match the models, and the repository writes each job's row once."""

import psutil
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from [[ cookiecutter.service_name ]].backend.database.repository import SqlWordCountLog
from [[ cookiecutter.service_name ]].backend.database.tables import Base
from [[ cookiecutter.service_name ]].backend.schemas import TaskRequest, TaskResult
from [[ cookiecutter.service_name ]].backend.service import recording_jobs
from stack.libs.database import Migrations
from stack.libs.database.server import PostgresServer
from stack.libs.jobs import JobService
from stack.libs.jobs.memory import InMemoryJobQueue, InMemoryJobStore

JOB_ID = "a" * 32


def test_the_server_is_a_real_postgresql_process(postgres: PostgresServer) -> None:
    assert postgres.pid is not None and psutil.Process(postgres.pid).name() == "postgres"


def test_migrations_upgrade_then_downgrade(empty_database: Engine, migrations: Migrations) -> None:
    migrations.upgrade(empty_database)
    assert "word_counts" in inspect(empty_database).get_table_names()
    assert migrations.current(empty_database) is not None
    migrations.downgrade(empty_database)
    assert "word_counts" not in inspect(empty_database).get_table_names()
    assert migrations.current(empty_database) is None


def test_the_migrations_make_exactly_the_tables_of_the_models(database: Engine) -> None:
    with database.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_the_migrate_command_goes_up_and_down(empty_database: Engine, migrations: Migrations) -> None:
    assert migrations.run(empty_database, []) == 0
    assert migrations.current(empty_database) is not None
    assert migrations.run(empty_database, ["downgrade"]) == 2  # a downgrade names its target
    assert migrations.run(empty_database, ["downgrade", "base"]) == 0
    assert migrations.current(empty_database) is None


def test_a_count_is_recorded_once_per_job(database: Engine) -> None:
    log = SqlWordCountLog(database)
    assert log.record(JOB_ID, TaskResult(words=2, characters=9)) is True
    assert log.record(JOB_ID, TaskResult(words=2, characters=9)) is False
    assert (log.count(), log.get(JOB_ID)) == (1, TaskResult(words=2, characters=9))


def test_a_message_processed_twice_writes_one_row(database: Engine) -> None:
    log = SqlWordCountLog(database)
    queue = InMemoryJobQueue()
    jobs = JobService(recording_jobs(log), queue, InMemoryJobStore(), hmac_key="k")
    job = jobs.submit(TaskRequest(text="a b c"))
    (message,) = queue.messages
    jobs.process(message)
    jobs.process(message)  # the redelivery after a worker died before deleting it
    assert (log.count(), log.get(job.job_id)) == (1, TaskResult(words=3, characters=5))


def test_each_test_has_a_database_of_its_own(database: Engine) -> None:
    assert SqlWordCountLog(database).count() == 0
