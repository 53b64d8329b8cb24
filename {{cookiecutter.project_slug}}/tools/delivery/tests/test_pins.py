"""The Upkeep workflow's pins: the Pulumi CLI follows the locked SDK, and base images are
pinned by digest, read from a registry (here a real HTTP server on loopback speaking the
Docker Registry v2 token flow)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tools.delivery import pins

OLD = "sha256:" + "1" * 64
NEW = "sha256:" + "2" * 64
TOKEN = "anonymous-pull-token"  # noqa: S105 - a test registry's token


class Registry(BaseHTTPRequestHandler):
    """Docker Hub's shape: 401 with a Bearer challenge, a token endpoint, then the digest."""

    digests = {("library/python", "3.11-slim"): NEW}
    requests: list[str] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # - http.server's method name
        self.requests.append(self.path)
        if self.path.startswith("/token?") and "scope=repository%3Alibrary%2Fpython%3Apull" in self.path:
            body = json.dumps({"token": TOKEN}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(404)
        self.end_headers()

    def do_HEAD(self) -> None:  # - http.server's method name
        self.requests.append(self.path)
        _, _, repository_and_tag = self.path.partition("/v2/")
        repository, _, tag = repository_and_tag.partition("/manifests/")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            port = int(self.server.server_address[1])  # type: ignore[index]
            self.send_response(401)
            self.send_header("WWW-Authenticate", f'Bearer realm="http://127.0.0.1:{port}/token",service="test"')
            self.end_headers()
            return
        if "index.v1+json" not in self.headers.get("Accept", ""):
            self.send_response(406)
            self.end_headers()
            return
        digest = self.digests.get((repository, tag))
        self.send_response(200 if digest else 404)
        if digest:
            self.send_header("Docker-Content-Digest", digest)
        self.end_headers()


@pytest.fixture
def registry() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_base_images_are_pinned_to_the_digest_their_tag_points_at(tmp_path: Path, registry: str) -> None:
    api = write(tmp_path / "modules/reports/backend/api/Dockerfile", "# syntax\nFROM python:3.11-slim\nUSER 1000\n")
    worker = write(
        tmp_path / "modules/reports/backend/worker/Dockerfile",
        f"FROM python:3.11-slim@{OLD} AS base\nFROM base\nFROM scratch\n",
    )
    assert pins.unpinned_base_images(tmp_path) == ["modules/reports/backend/api/Dockerfile:2: FROM python:3.11-slim"]

    changed = pins.update_base_images(tmp_path, pins.RegistryClient(registry).digest)

    assert sorted(changed) == ["modules/reports/backend/api/Dockerfile", "modules/reports/backend/worker/Dockerfile"]
    assert api.read_text() == f"# syntax\nFROM python:3.11-slim@{NEW}\nUSER 1000\n"
    # A stale digest is replaced; stages and scratch are not images to pin.
    assert worker.read_text() == f"FROM python:3.11-slim@{NEW} AS base\nFROM base\nFROM scratch\n"
    assert pins.unpinned_base_images(tmp_path) == []
    assert any(path.startswith("/token?") for path in Registry.requests)


def test_an_unknown_tag_is_an_error_naming_it(registry: str) -> None:
    with pytest.raises(LookupError, match="python:3.99-nope: the registry answered 404"):
        pins.RegistryClient(registry).digest("python", "3.99-nope")


def test_images_of_other_registries_are_asked_of_that_registry() -> None:
    client = pins.RegistryClient("https://hub.example")
    assert client.locate("python") == ("https://hub.example", "library/python")
    assert client.locate("motoserver/moto") == ("https://hub.example", "motoserver/moto")
    assert client.locate("public.ecr.aws/docker/library/python") == ("https://public.ecr.aws", "docker/library/python")


def test_the_pulumi_cli_follows_the_locked_sdk(tmp_path: Path) -> None:
    locked = {"locked_resolves": [{"locked_requirements": [{"project_name": "pulumi", "version": "3.300.1"}]}]}
    write(tmp_path / "lockfiles/infra.lock", "// header\n" + json.dumps(locked))
    workflow = write(
        tmp_path / ".github/workflows/deploy.yml",
        'steps:\n  - uses: pulumi/actions@x\n    with:\n      pulumi-version: "3.272.0"\n',
    )
    write(tmp_path / ".github/workflows/ci.yml", "steps: []\n")

    assert pins.pin_pulumi_cli(tmp_path) == [".github/workflows/deploy.yml"]
    assert '      pulumi-version: "3.300.1"\n' in workflow.read_text()
    assert pins.pin_pulumi_cli(tmp_path) == []
