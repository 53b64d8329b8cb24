"""stack.libs.database on a real PostgreSQL: the server starts and stops by pid, the
settings reach it, migrations go up and down over a tiny migration folder of its own."""

import shutil
import tempfile
import textwrap
from pathlib import Path

import psutil
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, inspect, text

from stack.libs.database import DatabaseSettings, Migrations, database_engine, database_readiness
from stack.libs.database.server import PostgresServer
from stack.libs.database.testing import *  # noqa: F403

ENV = """\
from sqlalchemy import MetaData

from stack.libs.database.alembic_env import run_migrations

run_migrations(MetaData())
"""
VERSION = """\
    import sqlalchemy as sa
    from alembic import op

    revision = "0001"
    down_revision = None


    def upgrade():
        op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True))


    def downgrade():
        op.drop_table("notes")
"""


@pytest.fixture
def migrations(tmp_path: Path) -> Migrations:
    (tmp_path / "versions").mkdir()
    (tmp_path / "env.py").write_text(ENV)
    (tmp_path / "versions" / "v0001_notes.py").write_text(textwrap.dedent(VERSION))
    return Migrations(tmp_path)


def test_migrations_go_up_and_down(empty_database: Engine, migrations: Migrations) -> None:
    migrations.upgrade(empty_database)
    assert "notes" in inspect(empty_database).get_table_names() and migrations.current(empty_database) == "0001"
    migrations.downgrade(empty_database)
    assert "notes" not in inspect(empty_database).get_table_names() and migrations.current(empty_database) is None


def test_the_settings_reach_the_server_and_ready_checks_it(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = postgres.create_database()
    for variable, value in postgres.settings(name).items():  # what the local runtime hands a module
        monkeypatch.setenv(variable, value)
    settings = DatabaseSettings()
    engine = database_engine(settings)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT current_database()")).scalar() == name
        label, check = database_readiness(engine)
        assert label == "database"
        check()
    finally:
        engine.dispose()


def test_a_host_name_makes_a_tcp_url() -> None:
    password = SecretStr("s3cret")
    url = DatabaseSettings(database_host="db.internal", database_password=password, database_sslmode="require")
    rendered = url.database_url()
    assert (rendered.host, rendered.port, rendered.password, rendered.query) == (
        "db.internal",
        5432,
        "s3cret",
        {"sslmode": "require"},
    )
    assert "s3cret" not in str(rendered)  # never in a log line


def test_a_server_restarts_on_its_data_and_stops_by_pid() -> None:
    data = Path(tempfile.mkdtemp(prefix="postgres-"))  # see testing.py: not under pytest's basetemp
    server = PostgresServer(data / "data").start()
    try:
        pid, uri = server.pid, server.uri
        assert pid is not None and psutil.Process(pid).name() == "postgres"
        engine = create_engine(server.url())
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE kept (n int)"))
        server.stop()
        assert not psutil.pid_exists(pid)
        server.start()
        assert server.uri == uri
        engine.dispose()  # the pool's connection died with the old server
        assert "kept" in inspect(engine).get_table_names()
        engine.dispose()
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
    assert not server.running()
