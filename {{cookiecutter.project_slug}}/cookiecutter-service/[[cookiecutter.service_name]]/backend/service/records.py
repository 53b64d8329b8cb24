"""The port the service layer writes its records through (the database adapter in
backend/database implements it; tests may use any object of this shape)."""

from typing import Protocol

from [[ cookiecutter.service_name ]].backend.schemas import TaskResult


class WordCountLog(Protocol):
    def record(self, job_id: str, result: TaskResult) -> bool:
        """Store job ``job_id``'s count once: True if written now, False if it was stored
        already (a redelivered message), so repeating a job never writes twice."""

    def check(self) -> None:
        """Raise if the store cannot be reached."""
