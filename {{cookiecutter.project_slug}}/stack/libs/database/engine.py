"""One SQLAlchemy engine (a connection pool) per process, made from the module's settings."""

from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, text

from stack.libs.database.settings import DatabaseSettings


def database_engine(settings: DatabaseSettings) -> Engine:
    return create_engine(
        settings.database_url(),
        # The driver by module, not only by the URL's name: Pants infers the dependency from it.
        module=psycopg,
        pool_size=settings.database_pool_size,
        # A pooled connection that died (a database restart, a failover) is replaced before
        # use instead of failing the next job.
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": 5,
            "options": f"-c statement_timeout={settings.database_statement_timeout_seconds * 1000}",
        },
    )


def engine_for_url(url: str, **options: Any) -> Engine:
    """An engine for a URL string (tests, the local server's own set-up)."""
    return create_engine(url, module=psycopg, **options)


def database_readiness(engine: Engine) -> tuple[str, Callable[[], None]]:
    """A ``/ready`` check (stack.libs.http.ReadinessCheck): the database answers a query."""

    def check() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return ("database", check)
