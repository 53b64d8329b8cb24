"""Which services a set of changed files affects, and how to get that set from git."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from tools.delivery.services import MODULES_DIR, Service

# Every service is built from these: a change here affects all of them. stack/ holds the
# shared libraries and the Pulumi components every service program composes; the foundation
# stack has its own workflow and affects no service build.
SHARED_PREFIXES = ("stack/", "3rdparty/", "lockfiles/", "build-support/")
SHARED_FILES = ("pants.toml", "pants", "BUILD")
FOUNDATION_PREFIX = "stack/infra/foundation/"

# Changes that make CI check everything instead of changed targets and their dependents:
# Pants' own configuration and inputs that change how every target resolves.
CI_GLOBAL_PREFIXES = ("stack/", "3rdparty/", "lockfiles/", "build-support/")
CI_GLOBAL_FILES = ("pants.toml", "pants", "BUILD", "mypy.ini", "ruff.toml")

# git's "no commit" object name: the `before` of a push that created a branch.
ZERO_SHA = "0" * 40


class GitError(RuntimeError):
    pass


def git(repo: Path, *args: str) -> str:
    # git from PATH (the runner's), arguments from this tool, no shell.
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)  # noqa: S603, S607
    if result.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed in {repo}: {result.stderr.strip()}")
    return result.stdout


def is_commit(repo: Path, rev: str | None) -> bool:
    """True when rev names a commit present in repo (a shallow clone may lack it)."""
    if not rev or rev == ZERO_SHA:
        return False
    result = subprocess.run(
        ["git", "cat-file", "-e", rev + "^{commit}"],  # noqa: S603, S607
        cwd=repo,
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def changed_files(repo: Path, base: str, head: str) -> list[str]:
    """Paths changed between base and head; both sides of a rename are listed."""
    out = git(repo, "diff", "--name-only", "--no-renames", base, head, "--")
    return sorted({line for line in out.splitlines() if line})


def merge_base(repo: Path, a: str, b: str) -> str:
    return git(repo, "merge-base", a, b).strip()


def _is_shared(path: str) -> bool:
    if path.startswith(FOUNDATION_PREFIX):
        return False
    return path in SHARED_FILES or path.startswith(SHARED_PREFIXES)


def _service_specific_dependency(path: str, names: set[str]) -> str | None:
    """The service whose own lockfile or requirements file this is, if any."""
    name = None
    if path.startswith("lockfiles/") and path.endswith(".lock"):
        name = path.removeprefix("lockfiles/").removesuffix(".lock")
    elif path.startswith("3rdparty/python/") and path.endswith("-requirements.txt"):
        name = path.removeprefix("3rdparty/python/").removesuffix("-requirements.txt")
    return name if name in names else None


# The parts of a module Pants builds into the resolves of the modules that use it.
PUBLIC_PARTS = ("public", "schemas")


def affected_services(paths: Iterable[str], services: Sequence[Service]) -> list[str]:
    """Names of the services the changed paths affect, sorted.

    modules/<svc>/... affects that service, and its public/ or schemas/ also every service
    that uses it (their images contain that code); shared inputs (stack/, pants.toml,
    lockfiles/, 3rdparty/, build-support/) affect all, except a service's own lockfile or
    requirements file, which affects only that service; anything else (docs, workflows,
    tools) affects none.
    """
    names = {s.name for s in services}
    affected: set[str] = set()
    public_changed: set[str] = set()
    for path in paths:
        parts = path.split("/")
        if len(parts) > 2 and parts[0] == MODULES_DIR:
            if parts[1] in names:
                affected.add(parts[1])
                if len(parts) > 4 and parts[2] == "backend" and parts[3] in PUBLIC_PARTS:
                    public_changed.add(parts[1])
            continue
        own = _service_specific_dependency(path, names)
        if own:
            affected.add(own)
        elif _is_shared(path):
            return sorted(names)
    # Consumers of changed public code, and theirs in turn (a public package may re-export).
    while public_changed:
        consumers = {s.name for s in services if public_changed & set(s.uses)} - affected
        affected |= consumers
        public_changed = consumers
    return sorted(affected)


def needs_full_ci(paths: Iterable[str]) -> bool:
    """True when a change can affect every target, so CI should check everything."""
    return any(p in CI_GLOBAL_FILES or p.startswith(CI_GLOBAL_PREFIXES) for p in paths)


def touches_foundation(paths: Iterable[str]) -> bool:
    return any(p.startswith(FOUNDATION_PREFIX) for p in paths)
