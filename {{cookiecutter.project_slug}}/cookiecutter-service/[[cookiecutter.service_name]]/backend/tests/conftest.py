"""What the platform's suites (stack.reliability) need to know about the [[ cookiecutter.service_name ]] module."""

[%- if cookiecutter.has_database == "yes" %]
from collections.abc import Callable

[%- endif %]
import pytest
[%- if cookiecutter.has_database == "yes" %]
from sqlalchemy import create_engine, select

from [[ cookiecutter.service_name ]].backend.database.tables import WordCountRow
from [[ cookiecutter.service_name ]].backend.database.wiring import MIGRATIONS
from stack.libs.database import Migrations

# A real PostgreSQL per test session (stopped by its pid), a fresh database per test.
from stack.libs.database.testing import *  # noqa: F403
from stack.libs.database.server import PostgresServer
[%- endif %]
from stack.reliability.target import ReliabilityTarget


def task_request(index: int) -> dict:
    """A distinct, checkable task: ``index % 5 + 1`` words."""
    return {"text": " ".join(f"word{index}" for _ in range(index % 5 + 1))}


def counted(request: dict, job: dict) -> bool:
    return job["result"] == {"words": len(request["text"].split()), "characters": len(request["text"])}


@pytest.fixture(scope="session")
def reliability_target() -> ReliabilityTarget:
    return ReliabilityTarget(
        module="[[ cookiecutter.service_name ]]",
        jobs_path="/tasks",
        request=task_request,
        check_result=counted,
    )
[%- if cookiecutter.has_database == "yes" %]


@pytest.fixture
def migrations() -> Migrations:
    return MIGRATIONS


@pytest.fixture
def module_settings(postgres: PostgresServer) -> dict[str, str]:
    """For the process suites: the API and worker get a new database, migrated."""
    name = postgres.create_database()
    engine = create_engine(postgres.url(name))
    try:
        MIGRATIONS.upgrade(engine)
    finally:
        engine.dispose()
    return postgres.settings(name, prefix="[[ cookiecutter.env_prefix ]]")


@pytest.fixture
def recorded_job_ids(postgres: PostgresServer, module_settings: dict[str, str]) -> Callable[ [], list[str] ]:
    """The job id of every row the processes' work wrote (a duplicate would show twice)."""

    def read() -> list[str]:
        engine = create_engine(postgres.url(module_settings["[[ cookiecutter.env_prefix ]]DATABASE_NAME"]))
        try:
            with engine.connect() as connection:
                return list(connection.execute(select(WordCountRow.job_id)).scalars())
        finally:
            engine.dispose()

    return read
[%- endif %]
