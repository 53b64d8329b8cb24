"""What a module's migrations/env.py runs: migrate over the engine ``Migrations`` handed in,
in one transaction (PostgreSQL runs DDL in transactions, so a failed migration leaves nothing
half done)."""

from alembic import context
from sqlalchemy import MetaData


def run_migrations(target_metadata: MetaData) -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (SQL script) migrations are not supported; run them against a database")
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, transaction_per_migration=False)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
