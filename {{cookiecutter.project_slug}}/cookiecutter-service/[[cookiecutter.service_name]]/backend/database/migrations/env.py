"""Alembic's entry point for the [[ cookiecutter.service_name ]] migrations: over the engine stack.libs.database hands in."""

from [[ cookiecutter.service_name ]].backend.database.tables import Base
from stack.libs.database.alembic_env import run_migrations

run_migrations(Base.metadata)
