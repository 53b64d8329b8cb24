"""The SQL adapter of the service's WordCountLog port."""

import logging

from sqlalchemy import Engine, func, select, text
from sqlalchemy.dialects.postgresql import insert

from [[ cookiecutter.service_name ]].backend.database.tables import WordCountRow
from [[ cookiecutter.service_name ]].backend.schemas import TaskResult

logger = logging.getLogger(__name__)


class SqlWordCountLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, job_id: str, result: TaskResult) -> bool:
        # INSERT ... ON CONFLICT DO NOTHING RETURNING: one statement, idempotent by the job's
        # id; a row comes back only when this call wrote it.
        statement = (
            insert(WordCountRow)
            .values(job_id=job_id, words=result.words, characters=result.characters)
            .on_conflict_do_nothing(index_elements=[WordCountRow.job_id])
            .returning(WordCountRow.job_id)
        )
        with self.engine.begin() as connection:
            written = connection.execute(statement).first() is not None
        logger.info("word count recorded" if written else "word count was recorded already", extra={"job_id": job_id})
        return written

    def get(self, job_id: str) -> TaskResult | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(WordCountRow).where(WordCountRow.job_id == job_id)).first()
        return TaskResult(words=row.words, characters=row.characters) if row else None

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(WordCountRow)).scalar_one())

    def check(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
