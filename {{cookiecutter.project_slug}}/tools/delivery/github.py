"""Pull request state and the preview comment, through the gh CLI (GH_TOKEN from the job)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tools.delivery.commands import Runner, run

# Marks the one comment this tool owns on a pull request, so each push edits it in place.
PREVIEW_MARKER = "<!-- pantstack:preview-stacks -->"


def open_pull_requests(repository: str, runner: Runner = run) -> set[int]:
    out = runner(
        ["gh", "pr", "list", "--repo", repository, "--state", "open", "--json", "number", "--limit", "1000"],
        None,
    )
    return {int(pr["number"]) for pr in json.loads(out or "[]")}


def render_preview_comment(pr: int, sha: str, previews: Sequence[tuple[str, str, Mapping[str, Any]]]) -> str:
    """Markdown for the preview comment; previews are (service, qualified stack, outputs)."""
    lines = [PREVIEW_MARKER, f"### Preview stacks for #{pr}", "", f"Deployed from `{sha[:12]}`.", ""]
    if not previews:
        lines.append("This pull request changes no service, so it has no preview stack.")
        return "\n".join(lines) + "\n"
    lines += ["| Service | Stack | URLs |", "| --- | --- | --- |"]
    for service, stack, outputs in previews:
        urls = [
            f"[{key}]({value})"
            for key, value in sorted(outputs.items())
            if key.lower().endswith("url") and isinstance(value, str) and value.startswith(("http://", "https://"))
        ]
        lines.append(f"| {service} | `{stack}` | {' '.join(urls) or 'no URL output'} |")
    lines += ["", "The stacks are destroyed when the pull request closes."]
    return "\n".join(lines) + "\n"


def upsert_comment(repository: str, pr: int, body: str, runner: Runner = run) -> str:
    """Edit this tool's comment on the pull request, or create it; returns "created"/"updated"."""
    out = runner(["gh", "api", "--paginate", "--slurp", f"repos/{repository}/issues/{pr}/comments"], None)
    pages = json.loads(out or "[]")
    comments = [c for page in pages for c in page] if pages and isinstance(pages[0], list) else pages
    ours = [c for c in comments if PREVIEW_MARKER in (c.get("body") or "")]
    with tempfile.TemporaryDirectory() as scratch:
        payload = Path(scratch) / "comment.json"
        payload.write_text(json.dumps({"body": body}), encoding="utf-8")
        if ours:
            endpoint = f"repos/{repository}/issues/comments/{ours[0]['id']}"
            runner(["gh", "api", "--method", "PATCH", endpoint, "--input", str(payload)], None)
            return "updated"
        endpoint = f"repos/{repository}/issues/{pr}/comments"
        runner(["gh", "api", "--method", "POST", endpoint, "--input", str(payload)], None)
        return "created"
