"""A fake GitHub Enterprise API on loopback (HTTPS, self-signed), for the one GitHub call a
job makes over HTTP: semantic-release creating a GitHub release.

act points a run at it with `--github-instance 127.0.0.1:<port>` (GITHUB_SERVER_URL and
GITHUB_API_URL then name it, and semantic-release follows them); the job trusts its
certificate through REQUESTS_CA_BUNDLE. Every request is recorded for the test to read.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


@dataclass
class FakeGitHub:
    instance: str  # host:port, for act --github-instance
    ca_bundle: Path  # the system's CAs plus this server's certificate
    requests: list[dict[str, Any]] = field(default_factory=list)

    def releases(self) -> list[dict[str, Any]]:
        """The release-creation bodies received, oldest first."""
        return [r["body"] for r in self.requests if r["method"] == "POST" and r["path"].endswith("/releases")]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "github.pem", folder / "github.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def start(folder: Path) -> tuple[FakeGitHub, ThreadingHTTPServer]:
    """Serve on 127.0.0.1 (a free port) until the returned server is shut down."""
    cert, key = make_certificate(folder)
    bundle = folder / "ca-bundle.pem"
    system = SYSTEM_CA_BUNDLE.read_text() if SYSTEM_CA_BUNDLE.exists() else ""
    bundle.write_text(system + "\n" + cert.read_text())
    fake = FakeGitHub(instance="", ca_bundle=bundle)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            fake.requests.append({"method": self.command, "path": self.path, "body": body})
            return body

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self._record()
            if self.path.endswith("/releases"):
                number = len(fake.releases())
                self._answer(201, {"id": number, "html_url": f"https://{fake.instance}/releases/{number}", **body})
            else:
                self._answer(404, {"message": "Not Found (fake GitHub)"})

        def do_GET(self) -> None:  # noqa: N802
            self._record()
            self._answer(404, {"message": "Not Found (fake GitHub)"})

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    fake.instance = f"127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server
