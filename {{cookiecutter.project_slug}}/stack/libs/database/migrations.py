"""A module's Alembic migrations, run without an alembic.ini: the module names the folder of
its migration scripts, the settings give the database.

The worker's entry point runs them as ``queue-worker.pex migrate [upgrade|downgrade REV]``:
that is what the deploy starts as a one-off ECS task before it updates the services.
"""

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migrations:
    """``script_location``: the folder with env.py and versions/ (inside the module)."""

    script_location: Path

    def config(self, engine: Engine) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.script_location))
        # env.py uses this engine's connection (no URL with a password in the config).
        config.attributes["engine"] = engine
        return config

    def upgrade(self, engine: Engine, revision: str = "head") -> None:
        command.upgrade(self.config(engine), revision)

    def downgrade(self, engine: Engine, revision: str = "base") -> None:
        command.downgrade(self.config(engine), revision)

    def current(self, engine: Engine) -> str | None:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def run(self, engine: Engine, argv: list[str]) -> int:
        """``[]`` or ``["upgrade", REV]`` or ``["downgrade", REV]``; the exit code."""
        action = [*argv, "upgrade"][0]
        revision = argv[1] if len(argv) > 1 else None
        if action not in {"upgrade", "downgrade"} or len(argv) > 2:
            print("usage: migrate [upgrade [REVISION] | downgrade REVISION]", file=sys.stderr)
            return 2
        if action == "downgrade" and revision is None:
            print("migrate downgrade needs a revision (e.g. -1 or base)", file=sys.stderr)
            return 2
        before = self.current(engine)
        if action == "upgrade":
            self.upgrade(engine, revision or "head")
        else:
            self.downgrade(engine, revision or "base")
        logger.info("migrations applied", extra={"from_revision": before, "to_revision": self.current(engine)})
        return 0
