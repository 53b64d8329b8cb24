"""Releases with python-semantic-release, one version line per service.

Each service is released on its own: semantic-release runs from modules/<svc> with the
"conventional-monorepo" commit parser filtered to that directory, so only commits that touch
the service count, and tags are namespaced `{service}-v{version}`. `dev` makes release
candidates (`-rc.N`), `main` stable versions. The configuration is generated here rather than
kept per module, so a new service is released without any file of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tools.delivery import tags
from tools.delivery.changes import git
from tools.delivery.services import Service

SEMANTIC_RELEASE = "semantic-release"


def release_config(service: str) -> dict[str, Any]:
    """The semantic-release configuration for one service (JSON form, `-c` takes it)."""
    return {
        "semantic_release": {
            "tag_format": tags.git_release_tag(service, "{version}"),
            "commit_parser": "conventional-monorepo",
            # Relative to the working directory, which is modules/<service>.
            "commit_parser_options": {"path_filters": ["."]},
            "allow_zero_version": False,
            "branches": {
                "main": {"match": "^main$", "prerelease": False},
                "dev": {"match": "^dev$", "prerelease": True, "prerelease_token": "rc"},
            },
            # Versions live in tags only: nothing to stamp into files, nothing to commit.
            "version_variables": [],
            "version_toml": [],
            "build_command": "",
            "remote": {"name": "origin", "type": "github", "token": {"env": "GH_TOKEN"}},
        }
    }


@dataclass(frozen=True)
class Release:
    service: str
    version: str
    tag: str
    prerelease: bool
    # Images to tag for this release: {component, source_tag, release_tag}.
    images: tuple[dict[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "images": list(self.images)}


class ReleaseError(RuntimeError):
    pass


def release_service(
    repo: Path,
    service: Service,
    *,
    branch: str,
    sha: str,
    publish: bool,
    command: Sequence[str] = (SEMANTIC_RELEASE,),
) -> Release | None:
    """Tag a new release of service at HEAD if its commits call for one; None otherwise.

    With publish, the tag is pushed to origin and a GitHub release is created (GH_TOKEN).
    """
    workdir = repo / service.path
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "release.json"
        config.write_text(json.dumps(release_config(service.name)), encoding="utf-8")
        base = [*command, "-c", str(config), "version"]
        next_tag = _run([*base, "--print-tag"], workdir).strip().splitlines()[-1].strip()
        if not next_tag.startswith(f"{service.name}-v"):
            raise ReleaseError(f"semantic-release printed an unexpected tag for {service.name}: {next_tag!r}")
        if git(repo, "tag", "--list", next_tag).strip():
            return None  # No commit since the last release calls for a new version.
        flags = ["--no-commit", "--no-changelog", "--tag"]
        flags += ["--push", "--vcs-release"] if publish else ["--no-push", "--no-vcs-release"]
        _run(base + flags, workdir)
    if not git(repo, "tag", "--list", next_tag).strip():
        raise ReleaseError(f"semantic-release did not create the tag {next_tag}")
    version = next_tag.removeprefix(f"{service.name}-v")
    return Release(
        service=service.name,
        version=version,
        tag=next_tag,
        prerelease="-" in version,
        images=tuple(
            {
                "component": component,
                "source_tag": tags.image_tags(service.name, service.images, branch, sha)[1][component],
                "release_tag": tags.release_tag(service.name, component, version),
            }
            for component in service.images
        ),
    )


def _run(args: Sequence[str], cwd: Path) -> str:
    env = dict(os.environ)
    # semantic-release writes its own step outputs when it sees GITHUB_OUTPUT; ours are
    # the only ones the workflow reads.
    env.pop("GITHUB_OUTPUT", None)
    # The semantic-release command and our own flags, no shell.
    result = subprocess.run(
        list(args),  # noqa: S603
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ReleaseError(
            f"{' '.join(args)} failed in {cwd} (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout
