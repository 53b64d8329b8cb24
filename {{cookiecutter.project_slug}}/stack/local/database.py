"""The local runtime's PostgreSQL: one server (a child process running
``python -m stack.libs.database.server``, which stops the server by its pid) for every module
with a database, each module in a database of its own named after it. Only the child
imports the database libraries, so this file builds for every module's resolve."""

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from stack.local.processes import ManagedProcess, ProcessFailed, python_env


class LocalPostgres:
    def __init__(self, run_dir: Path, modules: list[str]) -> None:
        self.modules = modules
        self.process = ManagedProcess(
            "postgres",
            [sys.executable, "-m", "stack.libs.database.server", str(run_dir / "postgres" / "data"), *modules],
            log_path=run_dir / "postgres.log",
            env=python_env(),
        )
        self.server: dict[str, str] = {}

    def start(self, timeout: float = 60.0) -> "LocalPostgres":
        self.process.start()
        self.server = self.process.wait_ready(self._started, timeout)
        return self

    def _started(self) -> dict[str, str] | None:
        for line in self.process.log_text().splitlines():
            if line.startswith("{") and json.loads(line).get("message") == "postgres started":
                return json.loads(line)
        return None

    @property
    def pid(self) -> int:
        return int(self.server["pid"])

    def settings(self, module: str) -> dict[str, str]:
        """``<MODULE>_DATABASE_HOST`` ... for the module's own database."""
        prefix = f"{module.upper()}_"
        fields = ("DATABASE_HOST", "DATABASE_PORT", "DATABASE_USER", "DATABASE_SSLMODE")
        return {f"{prefix}DATABASE_NAME": module, **{prefix + field: self.server[field] for field in fields}}

    def migrate(self, module: str, worker_command: list[str], env: Mapping[str, str]) -> None:
        """Run the module's migrations with its packaged worker, as the deploy does."""
        command = [*worker_command, "migrate"]
        result = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)  # noqa: S603
        if result.returncode != 0:
            raise ProcessFailed(f"migrations failed (exit {result.returncode}):\n{result.stderr[-3000:]}")

    def stop(self) -> None:
        self.process.stop(30)
