"""The generated repository builds, checks, tests and packages with its own ./pants."""

import http.server
import os
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.image_replay import replay
from tests.rendering import copy_project, code_python, git, pants, render_project


@pytest.fixture(params=["project", "unusual_project"])
def generated(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(request.param)


def test_build_files_lint_typecheck_and_tests_pass(generated: Path, request: pytest.FixtureRequest) -> None:
    """One Pants run per render for the heavy goals (each run pays Pants' start-up and graph).

    The unusual render differs only in names and strings, so it skips the reliability
    suites (real processes, same behaviour for any name); the default render runs them all.
    """
    unusual = request.node.callspec.params["generated"] == "unusual_project"
    tests = ["--tag=-reliability"] if unusual else []
    result = pants(
        generated, *tests, "tailor", "--check", "update-build-files", "--check", "lint", "check", "test", "::"
    )
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


def test_package_everything_but_images_and_serve_health(
    generated: Path, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    pants(generated, "--filter-target-type=-docker_image", "package", "::")

    api_pex = generated / "dist/modules.reports.backend.api/api-server.pex"
    worker_pex = generated / "dist/modules.reports.backend.worker/queue-worker.pex"
    assert api_pex.is_file() and worker_pex.is_file()

    answer, _ = serve_health([code_python(), str(api_pex)])
    assert answer == {"status": 200, "body": '{"status":"ok"}'}

    # With the variables a stack sets when tracing is on, the same PEX sends its spans over
    # OTLP/HTTP (here to a receiver on loopback standing in for the collector sidecar).
    with OtlpReceiver() as receiver:
        answer, output = serve_health(
            [code_python(), str(api_pex)],
            OTEL_SERVICE_NAME="reports-api",
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
            OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
            OTEL_PROPAGATORS="xray,tracecontext",
            OTEL_PYTHON_ID_GENERATOR="xray",
            OTEL_TRACES_SAMPLER="always_on",
            OTEL_BSP_SCHEDULE_DELAY="100",
            until=lambda: bool(receiver.requests),
        )
    assert answer["status"] == 200, output
    path, content_type, body = receiver.requests[0]
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf"), output
    assert b"reports-api" in body and b"/health" in body

    if request.node.callspec.params["generated"] == "project":  # the image is the same for any name
        serve_health_from_the_api_image(generated, tmp_path)


def serve_health_from_the_api_image(project: Path, tmp_path: Path) -> None:
    """The API as its image runs it: the Dockerfile's stages replayed on the split PEX files
    (requirements, sources) in dist/, then its entry point, the pre-built venv's `pex`."""
    image = replay(project / "modules/reports/backend/api/Dockerfile", project / "dist", tmp_path / "image",
                   code_python())  # fmt: skip
    assert [layer.instruction for layer in image.layers] == [
        "COPY --from=requirements /app/venv /app/venv",
        "COPY --from=sources /app/venv /app/venv",
    ]
    assert image.entrypoint == [str(image.path("/app/venv/pex"))]
    unreadable = [p for p in image.path("/app").rglob("*") if not p.is_symlink() and not p.stat().st_mode & 0o004]
    assert unreadable == [], "the image's user (10001, not the owner) must read every file"
    pex_root = tmp_path / "pex-root"  # stays empty: the first start unpacks nothing
    answer, output = serve_health(image.entrypoint, **{**image.env, "PEX_ROOT": str(pex_root)})
    assert answer == {"status": 200, "body": '{"status":"ok"}'}, output
    assert not pex_root.exists() or not any(pex_root.iterdir()), output


def serve_health(command: list[str], until=lambda: True, **env: str) -> tuple[dict, str]:
    """Start the API on a free loopback port, ask /health, wait for ``until``, stop it."""
    port = free_port()
    server = subprocess.Popen(
        command,
        env={**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        answer = wait_for_health(f"http://127.0.0.1:{port}/health", server)
        deadline = time.monotonic() + 20
        while not until() and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.1)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    return answer, output


class OtlpReceiver:
    """Accepts OTLP/HTTP exports on loopback and keeps (path, content type, body) of each."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        received = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's method name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.path, self.headers.get("Content-Type", ""), body))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "OtlpReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def test_other_code_may_use_public_but_not_private_module_code(tmp_path: Path) -> None:
    project = render_project(tmp_path)
    consumer = project / "examples"
    consumer.mkdir()
    (consumer / "BUILD").write_text('python_sources(resolve="reports")\n')
    (consumer / "uses_public.py").write_text("from reports.backend.public import ReportsClient\n\nCLIENT = ReportsClient\n")
    git(project, "add", "-A")
    allowed = pants(project, "dependencies", "examples/uses_public.py")
    assert "modules/reports/backend/public" in allowed.stdout

    (consumer / "uses_private.py").write_text("from reports.backend.service.jobs import JOBS\n\nKIND = JOBS\n")
    denied = pants(project, "dependencies", "examples::", check=False)
    assert denied.returncode != 0
    assert "DependencyRuleActionDeniedError" in denied.stderr
    assert "examples/uses_private.py" in denied.stderr
    assert "modules/reports/BUILD" in denied.stderr and "DENY" in denied.stderr


@pytest.mark.parametrize(
    ("path", "code", "rule"),
    [
        # The service layer knows nothing of HTTP or queues.
        ("modules/reports/backend/service/uses_api.py", "from reports.backend.api import routes\n",
         "!modules/reports/backend/api/**"),
        # Shared code never depends on a module. (Its build for a service resolve: in the
        # "stack" resolve the import does not even resolve.)
        ("stack/libs/uses_module.py@resolve=reports", "from reports.backend.schemas import ReportJob\n",
         "!//modules/**"),
        # A test never imports another test file.
        ("modules/reports/backend/tests/test_uses_test.py", "from reports.backend.tests import test_service\n",
         "!<python_tests>"),
    ],
)  # fmt: skip
def test_boundaries_hold_in_both_directions(project: Path, tmp_path: Path, path: str, code: str, rule: str) -> None:
    scratch = copy_project(project, tmp_path / "scratch")
    (scratch / path.split("@")[0]).write_text(code)
    denied = pants(scratch, "dependencies", path, check=False)
    assert denied.returncode != 0, f"{path} was allowed"
    assert "DependencyRuleActionDeniedError" in denied.stderr and rule in denied.stderr, denied.stderr[-3000:]

