"""Pull request titles are Conventional Commits: the squash-merge commit takes the title,
and python-semantic-release reads the version bump from it (``feat`` minor, ``fix``/``perf``
patch, ``!`` or a ``BREAKING CHANGE`` footer major; other types release nothing).

The title is untrusted input: the workflow never puts it in a shell command; this module
reads it from the event payload file (or ``--title``) and only compares it to a pattern.
"""

from __future__ import annotations

import re

# The types semantic-release's conventional parser knows (docs/delivery.md lists what each releases).
TYPES = ("build", "chore", "ci", "docs", "feat", "fix", "perf", "refactor", "revert", "style", "test")
MAX_LENGTH = 100

_TITLE = re.compile(r"(?P<type>[a-z]+)(?:\((?P<scope>[^()]*)\))?(?P<breaking>!)?: (?P<subject>.*)", re.DOTALL)
_SCOPE = re.compile(r"[a-z0-9][a-z0-9._/-]*(?:, ?[a-z0-9][a-z0-9._/-]*)*")
# GitHub's "Revert" button titles a pull request `Revert "<original title>"`.
_GITHUB_REVERT = re.compile(r'Revert "(?P<original>.+)"')


def title_problems(title: str) -> list[str]:
    """What is wrong with ``title`` as a Conventional Commits header; empty when nothing."""
    revert = _GITHUB_REVERT.fullmatch(title)
    if revert:
        return [f"reverted title: {problem}" for problem in title_problems(revert.group("original"))]
    if not title.strip():
        return ["the title is empty"]
    problems = []
    if len(title) > MAX_LENGTH:
        problems.append(f"the title has {len(title)} characters; keep it to {MAX_LENGTH}")
    if "\n" in title or "\r" in title:
        problems.append("the title spans lines")
    match = _TITLE.fullmatch(title)
    if not match:
        problems.append(
            "the title is not '<type>[(scope)][!]: <description>', e.g. 'feat(reports): add CSV export' "
            "or 'fix!: reject empty reports'"
        )
        return problems
    if match.group("type") not in TYPES:
        problems.append(f"type {match.group('type')!r} is not one of {', '.join(TYPES)}")
    scope = match.group("scope")
    if scope is not None and not _SCOPE.fullmatch(scope):
        problems.append(f"scope {scope!r} must be lower-case words such as a service name: 'feat(reports): ...'")
    subject = match.group("subject")
    if not subject.strip():
        problems.append("the description after ': ' is empty")
    elif subject != subject.strip():
        problems.append("the description starts or ends with white space")
    return problems


def release_kind(title: str) -> str | None:
    """The release a title's commit would cause on its own: major, minor, patch or None."""
    match = _TITLE.fullmatch(title)
    if not match or title_problems(title):
        return None
    if match.group("breaking"):
        return "major"
    return {"feat": "minor", "fix": "patch", "perf": "patch"}.get(match.group("type"))
