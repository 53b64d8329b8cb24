"""pytest fixtures for a module's database tests: one real PostgreSQL server per test
session (stopped by its pid at the end) and a fresh, migrated database per test.

A module's conftest.py brings them in with
    pytest_plugins = ["stack.libs.database.testing"]
and defines a ``migrations`` fixture (its ``Migrations``).
"""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from stack.libs.database.engine import engine_for_url
from stack.libs.database.migrations import Migrations
from stack.libs.database.server import PostgresServer

__all__ = ["database", "empty_database", "postgres"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    # Not under pytest's basetemp: a concurrent pytest process (Pants runs several) prunes
    # the older numbered basetemps, data directory included, while this server uses it.
    data = Path(tempfile.mkdtemp(prefix="postgres-"))
    server = PostgresServer(data / "data").start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def empty_database(postgres: PostgresServer) -> Iterator[Engine]:
    """An engine on a new database of its own: tests never see each other's rows."""
    engine = engine_for_url(postgres.url(postgres.create_database()), pool_pre_ping=True)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def database(empty_database: Engine, migrations: Migrations) -> Engine:
    """A new database with the module's migrations applied."""
    migrations.upgrade(empty_database)
    return empty_database
