"""The tables of the [[ cookiecutter.service_name ]] database, typed (SQLAlchemy 2). A change here needs a migration in
migrations/versions/ (see docs/database.md: expand, then contract)."""

from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class WordCountRow(Base):
    """One row per finished job, keyed by the job's id: a redelivery cannot add a second."""

    __tablename__ = "word_counts"

    job_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    words: Mapped[int]
    characters: Mapped[int]
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
