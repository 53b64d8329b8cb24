"""The worker's job kind on the real database, and the migrations, from the settings."""

from pathlib import Path
from typing import Any

from [[ cookiecutter.service_name ]].backend.database.repository import SqlWordCountLog
from [[ cookiecutter.service_name ]].backend.service import recording_jobs
from [[ cookiecutter.service_name ]].backend.settings import [[ cookiecutter.service_class ]]Settings
from stack.libs.database import Migrations, database_engine
from stack.libs.jobs import JobKind

MIGRATIONS = Migrations(Path(__file__).parent / "migrations")


def worker_jobs(settings: [[ cookiecutter.service_class ]]Settings) -> JobKind[Any, Any]:
    return recording_jobs(SqlWordCountLog(database_engine(settings)))
