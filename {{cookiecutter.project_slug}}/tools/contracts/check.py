"""The breaking-change check of a pull request: every module whose committed contract
changed since the merge base, compared with it (tools/contracts/breaking.py). A breaking
change passes only when the pull request says so: its title, or one of its commits, is a
Conventional Commit marked breaking (``feat!: ...``, or a ``BREAKING CHANGE:`` footer), which
semantic-release turns into the module's next major version."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tools.contracts.breaking import messages_breaks, openapi_breaks
from tools.delivery.changes import GitError, changed_files, git, merge_base
from tools.delivery.pr_title import release_kind

CONTRACT = re.compile(r"modules/(?P<module>[^/]+)/backend/public/contract/(?P<file>openapi|messages)\.json")
COMPARATORS = {"openapi": openapi_breaks, "messages": messages_breaks}
_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: ", re.MULTILINE)


def _show(repo: Path, rev: str, path: str) -> dict | None:
    try:
        return json.loads(git(repo, "show", f"{rev}:{path}"))
    except GitError:  # not there at that commit: a new module or a new API
        return None


def breaking_changes(repo: Path, base: str, head: str = "HEAD") -> dict[str, list[str]]:
    """Module name to what breaks its clients between the merge base of ``base`` and
    ``head``; only modules with something breaking."""
    since = merge_base(repo, base, head)
    found: dict[str, list[str]] = {}
    for path in changed_files(repo, since, head):
        match = CONTRACT.fullmatch(path)
        if not match:
            continue
        old, new = _show(repo, since, path), _show(repo, head, path)
        if old is None:
            continue
        breaks = ["contract file removed"] if new is None else COMPARATORS[match["file"]](old, new)
        if breaks:
            found.setdefault(match["module"], []).extend(f"{match['file']}: {b}" for b in breaks)
    return found


def marked_breaking(repo: Path, base: str, head: str, title: str | None) -> bool:
    """The title, or a commit between the merge base and ``head``, announces a breaking change."""
    if title and release_kind(title) == "major":
        return True
    since = merge_base(repo, base, head)
    messages = git(repo, "log", "--format=%B%x00", f"{since}..{head}").split("\0")
    return any(release_kind(m.strip().split("\n")[0]) == "major" or _FOOTER.search(m) for m in messages if m.strip())


def check(repo: Path, base: str, head: str = "HEAD", title: str | None = None) -> tuple[bool, str]:
    """Whether the pull request may merge, and what to tell its author."""
    found = breaking_changes(repo, base, head)
    if not found:
        return True, "no module's contract changed in a way that breaks its clients"
    lines = [f"{module}: {change}" for module, changes in sorted(found.items()) for change in changes]
    if marked_breaking(repo, base, head, title):
        return True, "breaking contract changes, announced as breaking (a major release):\n" + "\n".join(lines)
    return False, (
        "these contract changes break the modules' clients:\n"
        + "\n".join(lines)
        + "\nKeep the old contract (add instead of change), or announce the break: title the pull request "
        "'feat!: ...' (or add a 'BREAKING CHANGE: ...' footer to a commit). See docs/contracts.md."
    )
