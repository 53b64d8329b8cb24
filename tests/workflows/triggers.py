"""Whether an event starts a workflow, by its `on:` branch and path filters.

act starts a workflow for any event it lists, whatever its filters say, so the filters are
evaluated here with GitHub's documented pattern rules (`*` matches within one path
segment, `**` across segments, `?` one character); act then runs what they let through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any


def pattern(glob: str) -> re.Pattern[str]:
    if glob.startswith("!"):
        raise ValueError(f"negated filter {glob!r} is not supported here; add it to {__name__}")
    parts = re.split(r"(\*\*|\*|\?)", glob)
    wildcard = {"**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(wildcard.get(part, re.escape(part)) for part in parts) + r"\Z")


def matches(globs: Iterable[str], values: Iterable[str]) -> bool:
    compiled = [pattern(glob) for glob in globs]
    return any(p.match(value) for p in compiled for value in values)


def starts(on: Mapping[str, Any], event: str, branch: str, paths: list[str]) -> bool:
    """branch: the pushed branch, or a pull request's base branch."""
    if event not in on:
        return False
    filters = on[event] or {}
    if "branches" in filters and not matches(filters["branches"], [branch]):
        return False
    return "paths" not in filters or matches(filters["paths"], paths)
