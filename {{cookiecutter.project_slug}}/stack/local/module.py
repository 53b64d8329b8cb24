"""One service module on loopback: its queue and bucket in the emulator, its API and worker
as child processes pointed at them. Used by the local runtime, the reliability suite and
the benchmarks, so all of them run exactly what gets deployed: the module's own entry
points, configured only through environment variables.
"""

import json
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from stack.local.emulator import MotoEmulator
from stack.local.processes import ManagedProcess, ProcessGroup, listening_socket, python_env
from stack.local.resources import (
    MAX_RECEIVES,
    VISIBILITY_TIMEOUT_SECONDS,
    Resources,
    bucket_name,
    create_resources,
    queue_name,
)


@dataclass
class ApiProcess:
    process: ManagedProcess
    url: str


@dataclass
class LocalModule:
    """One deployment of ``module`` (its Python package name) into ``emulator``.

    ``name`` names the queue and bucket (default: the module's), so several deployments
    (one per test) can share an emulator. ``settings`` are extra variables for the API and
    the worker (``<PREFIX>_...``: see the module's settings.py).
    """

    module: str
    emulator: MotoEmulator
    run_dir: Path
    name: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict)
    # The queue's settings; the local runtime takes them from the module's module.toml.
    max_receives: int = MAX_RECEIVES
    visibility_timeout: int = VISIBILITY_TIMEOUT_SECONDS
    versioned_bucket: bool = False
    resources: Resources | None = None
    processes: ProcessGroup = field(default_factory=ProcessGroup)
    # Commands that start the packaged API and worker (their PEX files); by default the
    # entry points run from this interpreter's environment (``python -m <module>``).
    api_command: list[str] | None = None
    worker_command: list[str] | None = None

    @property
    def env_prefix(self) -> str:
        return f"{self.module.upper()}_"

    @property
    def api_module(self) -> str:
        return f"{self.module}.backend.api.main"

    @property
    def worker_module(self) -> str:
        return f"{self.module}.backend.worker.main"

    def create_resources(self) -> Resources:
        name = self.name or self.module
        self.resources = create_resources(
            self.emulator.client("sqs"),
            self.emulator.client("s3"),
            queue_name=queue_name(name),
            bucket_name=bucket_name(name),
            max_receives=self.max_receives,
            visibility_timeout=self.visibility_timeout,
            versioned_bucket=self.versioned_bucket,
        )
        return self.resources

    def env(self) -> dict[str, str]:
        """What the module's API and worker read (its settings and ServiceSettings)."""
        if self.resources is None:
            raise RuntimeError("create_resources() first")
        return {
            **self.emulator.aws_env(),
            f"{self.env_prefix}QUEUE_URL": self.resources.queue_url,
            f"{self.env_prefix}BUCKET_NAME": self.resources.bucket_name,
            **self.settings,
        }

    def _child_env(self, packaged: bool, extra: Mapping[str, str]) -> dict[str, str]:
        # A PEX brings its own environment: handing it ours (PYTHONPATH) would mix the two.
        return {**os.environ, **self.env(), **extra} if packaged else python_env({**self.env(), **extra})

    def start_api(self, name: str = "api", timeout: float = 60.0, module: str | None = None) -> ApiProcess:
        sock = listening_socket()
        host, port = sock.getsockname()
        command = self.api_command or [sys.executable, "-m", module or self.api_module]
        try:
            process = self.processes.add(
                ManagedProcess(
                    name,
                    command,
                    log_path=self.run_dir / f"{name}.log",
                    env=self._child_env(self.api_command is not None, {"LISTEN_FD": str(sock.fileno())}),
                    pass_fds=[sock.fileno()],
                ).start()
            )
        finally:
            sock.close()  # the child has its own copy
        url = f"http://{host}:{port}"
        process.wait_ready(lambda: httpx.get(f"{url}/ready", timeout=2).status_code == 200, timeout)
        return ApiProcess(process, url)

    def start_worker(
        self,
        name: str = "worker",
        args: list[str] | None = None,
        timeout: float = 60.0,
        env: Mapping[str, str] | None = None,
    ) -> ManagedProcess:
        """Start the worker (or ``python -m <args>``) and wait until it polls the queue."""
        if self.env().get("LOG_LEVEL", "INFO").upper() not in {"DEBUG", "INFO"}:
            raise ValueError("start_worker() waits for the worker's INFO log line: LOG_LEVEL must be INFO or DEBUG")
        process = self.processes.add(
            ManagedProcess(
                name,
                self.worker_command or [sys.executable, "-m", *(args or [self.worker_module])],
                log_path=self.run_dir / f"{name}.log",
                env=self._child_env(self.worker_command is not None, env or {}),
            ).start()
        )
        process.wait_ready(lambda: any(line.get("message") == "worker started" for line in log_lines(process)), timeout)
        return process

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the children, the last started first (so workers finish before the API goes)."""
        self.processes.stop_all(timeout)


def log_lines(process: ManagedProcess) -> Iterator[dict]:
    """The JSON log lines a child wrote so far (other output, e.g. a traceback, is skipped)."""
    for line in process.log_text().splitlines():
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except ValueError:
                continue
