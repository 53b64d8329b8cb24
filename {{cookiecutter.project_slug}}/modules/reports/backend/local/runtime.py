"""The reports module on loopback: its queue and bucket in the emulator, the API and the
worker as child processes pointed at it. Used by ``up`` (the local run), ``measure`` and
the reliability tests, so all three run exactly what gets deployed: the same entry points,
configured only through environment variables.
"""

import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from reports.backend.local.resources import MAX_RECEIVES, Resources, create_resources
from stack.local.emulator import MotoEmulator
from stack.local.processes import ManagedProcess, ProcessGroup, listening_socket, python_env

API_MODULE = "reports.backend.api.main"
WORKER_MODULE = "reports.backend.worker.main"


@dataclass
class ApiProcess:
    process: ManagedProcess
    url: str


@dataclass
class LocalReports:
    """One deployment of the module into ``emulator``.

    ``name`` prefixes the queue and bucket, so several deployments (one per test) can share
    an emulator. ``settings`` are extra REPORTS_* variables for the API and the worker.
    """

    emulator: MotoEmulator
    run_dir: Path
    name: str = "reports"  # gives QUEUE_NAME and BUCKET_NAME
    settings: Mapping[str, str] = field(default_factory=dict)
    max_receives: int = MAX_RECEIVES
    versioned_bucket: bool = False
    resources: Resources | None = None
    processes: ProcessGroup = field(default_factory=ProcessGroup)

    def create_resources(self) -> Resources:
        self.resources = create_resources(
            self.emulator.client("sqs"),
            self.emulator.client("s3"),
            queue_name=f"{self.name}-jobs",
            bucket_name=f"{self.name}-results",
            max_receives=self.max_receives,
            versioned_bucket=self.versioned_bucket,
        )
        return self.resources

    def env(self) -> dict[str, str]:
        """What the API and the worker read (see ReportsSettings and ServiceSettings)."""
        if self.resources is None:
            raise RuntimeError("create_resources() first")
        return {
            **self.emulator.aws_env(),
            "REPORTS_QUEUE_URL": self.resources.queue_url,
            "REPORTS_BUCKET_NAME": self.resources.bucket_name,
            **self.settings,
        }

    def start_api(self, name: str = "api", timeout: float = 60.0) -> ApiProcess:
        sock = listening_socket()
        host, port = sock.getsockname()
        try:
            process = self.processes.add(
                ManagedProcess(
                    name,
                    [sys.executable, "-m", API_MODULE],
                    log_path=self.run_dir / f"{name}.log",
                    env=python_env({**self.env(), "LISTEN_FD": str(sock.fileno())}),
                    pass_fds=[sock.fileno()],
                ).start()
            )
        finally:
            sock.close()  # the child has its own copy
        url = f"http://{host}:{port}"
        process.wait_ready(lambda: httpx.get(f"{url}/ready", timeout=2).status_code == 200, timeout)
        return ApiProcess(process, url)

    def start_worker(self, name: str = "worker", module: str = WORKER_MODULE, timeout: float = 60.0) -> ManagedProcess:
        """Start a worker and wait until it polls the queue (its "worker started" log line)."""
        if self.env().get("LOG_LEVEL", "INFO").upper() not in {"DEBUG", "INFO"}:
            raise ValueError("start_worker() waits for the worker's INFO log line: LOG_LEVEL must be INFO or DEBUG")
        process = self.processes.add(
            ManagedProcess(
                name,
                [sys.executable, "-m", module],
                log_path=self.run_dir / f"{name}.log",
                env=python_env(self.env()),
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
