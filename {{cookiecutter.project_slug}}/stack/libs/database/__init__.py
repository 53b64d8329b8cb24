"""A module's relational database (PostgreSQL): settings, engine, migrations, and a real
PostgreSQL server for tests and the local runtime (see docs/database.md).

Synchronous SQLAlchemy 2 on psycopg 3: the queue worker and the service layer are
synchronous, so one connection pool per process and no event loop to share.
"""

from stack.libs.database.engine import database_engine, database_readiness
from stack.libs.database.migrations import Migrations
from stack.libs.database.settings import DatabaseSettings

__all__ = ["DatabaseSettings", "Migrations", "database_engine", "database_readiness"]
