"""The generated repository builds, checks, tests and packages with its own ./pants."""

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.rendering import git, pants, render_project


@pytest.fixture(params=["project", "unusual_project"])
def generated(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(request.param)


def test_build_files_are_complete_and_current(generated: Path) -> None:
    pants(generated, "tailor", "--check", "update-build-files", "--check", "::")


def test_lint(generated: Path) -> None:
    pants(generated, "lint", "::")


def test_typecheck(generated: Path) -> None:
    pants(generated, "check", "::")


def test_generated_tests_pass(generated: Path) -> None:
    result = pants(generated, "test", "::")
    assert "✕" not in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}: {process.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return {"status": response.status, "body": response.read().decode()}
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def test_package_everything_but_images_and_serve_health(generated: Path) -> None:
    pants(generated, "--filter-target-type=-docker_image", "package", "::")

    api_pex = generated / "dist/modules.reports.backend.api/api-server.pex"
    worker_pex = generated / "dist/modules.reports.backend.worker/queue-worker.pex"
    assert api_pex.is_file() and worker_pex.is_file()

    port = free_port()
    server = subprocess.Popen(
        [str(api_pex)],
        env={**os.environ, "HOST": "127.0.0.1", "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        answer = wait_for_health(f"http://127.0.0.1:{port}/health", server)
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert answer == {"status": 200, "body": '{"status":"ok"}'}


def test_other_code_may_use_public_but_not_private_module_code(tmp_path: Path) -> None:
    project = render_project(tmp_path)
    consumer = project / "examples"
    consumer.mkdir()
    (consumer / "BUILD").write_text('python_sources(resolve="reports")\n')
    (consumer / "uses_public.py").write_text("from reports.backend.public import ReportsClient\n\nCLIENT = ReportsClient\n")
    git(project, "add", "-A")
    allowed = pants(project, "dependencies", "examples/uses_public.py")
    assert "modules/reports/backend/public" in allowed.stdout

    (consumer / "uses_private.py").write_text("from reports.backend.service.jobs import ReportJobs\n\nJOBS = ReportJobs\n")
    denied = pants(project, "dependencies", "examples::", check=False)
    assert denied.returncode != 0
    assert "DependencyRuleActionDeniedError" in denied.stderr
    assert "examples/uses_private.py" in denied.stderr
    assert "modules/reports/BUILD" in denied.stderr and "DENY" in denied.stderr
