"""A real git repository shaped like this monorepo, and GitHub event payloads for it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tools.delivery.plan import Context
from tools.delivery.services import discover_services

PULUMI_ORG = "acme"
REPOSITORY = "acme/acme-services"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Delivery Tests",
    "GIT_AUTHOR_EMAIL": "delivery-tests@example.com",
    "GIT_COMMITTER_NAME": "Delivery Tests",
    "GIT_COMMITTER_EMAIL": "delivery-tests@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}

# Two services: reports has an API and a worker image, billing only an API; both have a
# Pulumi program. Plus shared code, docs and build configuration.
INITIAL_FILES = {
    "pants.toml": "[GLOBAL]\n",
    "modules/reports/backend/api/app.py": "app = 1\n",
    "modules/reports/backend/api/Dockerfile": "FROM scratch\n",
    "modules/reports/backend/worker/Dockerfile": "FROM scratch\n",
    "modules/reports/infrastructure/Pulumi.yaml": "name: reports\nruntime: python\n",
    "modules/billing/backend/api/app.py": "app = 2\n",
    "modules/billing/backend/api/Dockerfile": "FROM scratch\n",
    "modules/billing/infrastructure/Pulumi.yaml": "name: billing  # the project\nruntime: python\n",
    "stack/libs/settings.py": "SETTINGS = {}\n",
    "stack/infra/foundation/__main__.py": "\n",
    "docs/index.md": "# Docs\n",
    "README.md": "# Repo\n",
}


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str) -> str:
        env = {**os.environ, **GIT_ENV, "HOME": str(self.path.parent)}
        # git from PATH, as the workflows run it.
        result = subprocess.run(
            ["git", *args],  # noqa: S603, S607
            cwd=self.path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
        return result.stdout.strip()

    def commit(self, files: dict[str, str], message: str = "change") -> str:
        for name, content in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def context(self) -> Context:
        return Context(repo=self.path, services=discover_services(self.path), pulumi_org=PULUMI_ORG)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    path = tmp_path / "monorepo"
    path.mkdir()
    r = Repo(path)
    r.git("init", "-q", "-b", "main")
    r.commit(INITIAL_FILES, "chore: initial commit")
    return r


def push_event(branch: str, before: str, after: str) -> dict[str, Any]:
    return {
        "ref": f"refs/heads/{branch}",
        "before": before,
        "after": after,
        "deleted": False,
        "repository": {"full_name": REPOSITORY},
    }


def pr_event(
    action: str, number: int, base_sha: str, head_sha: str, head_ref: str, head_repo: str = REPOSITORY
) -> dict[str, Any]:
    return {
        "action": action,
        "number": number,
        "repository": {"full_name": REPOSITORY},
        "pull_request": {
            "number": number,
            "head": {"sha": head_sha, "ref": head_ref, "repo": {"full_name": head_repo}},
            "base": {"sha": base_sha, "ref": "dev", "repo": {"full_name": REPOSITORY}},
        },
    }
