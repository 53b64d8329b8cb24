"""moto's AWS emulator as a child process on loopback, and the settings to reach it."""

import sys
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from stack.local.processes import ManagedProcess, python_env

# moto accepts any credentials; real ones must never reach it (or leave the machine).
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # not a secret: moto ignores it
    "AWS_SESSION_TOKEN": "testing",
}


class MotoEmulator:
    """Starts ``python -m stack.local.moto_main`` and knows its URL once it is up."""

    def __init__(self, run_dir: Path, region: str) -> None:
        self.run_dir = run_dir
        self.region = region
        self.port_file = run_dir / "moto.port"
        self.process = ManagedProcess(
            "moto",
            [sys.executable, "-m", "stack.local.moto_main", "--port-file", str(self.port_file)],
            log_path=run_dir / "moto.log",
            env=python_env(),
        )
        self.port: int | None = None

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the emulator has not been started")
        return f"http://127.0.0.1:{self.port}"

    def aws_env(self) -> dict[str, str]:
        """Environment variables that point AWS SDKs (and our settings) at the emulator."""
        return {**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint_url, "AWS_REGION": self.region}

    def client(self, service_name: str) -> Any:
        """A boto3 client for the emulator, with the fake credentials (never the caller's)."""
        return boto3.client(
            service_name,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
            config=Config(s3={"addressing_style": "path"}),
        )

    def start(self, timeout: float = 30.0) -> "MotoEmulator":
        self.port_file.unlink(missing_ok=True)
        self.process.start()
        self.port = self.process.wait_ready(self._read_port, timeout)
        # The port is bound before moto answers; wait for a real answer.
        self.process.wait_ready(self._answers, timeout)
        return self

    def _read_port(self) -> int | None:
        text = self.port_file.read_text() if self.port_file.exists() else ""
        return int(text) if text.strip() else None

    def _answers(self) -> bool:
        # moto's own management API: answers without touching any emulated service.
        with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/data.json", timeout=2) as response:  # noqa: S310
            return response.status == 200

    def stop(self, timeout: float = 10.0) -> None:
        self.process.stop(timeout)
