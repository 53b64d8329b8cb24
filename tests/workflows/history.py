"""Real git histories for workflow runs: a working clone (where act starts, as a user's
checkout) and a bare repository standing for GitHub's copy, the `origin` every job's
checkout clones and the release job pushes tags to. Event payloads describe what the
test did to them, as GitHub would.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.rendering import git

OWNER_REPO = "acme/acme-services"  # the default answers' github_owner/github_repo


class Remote:
    """A project's history: `work` (a clone) and `origin` (bare, GitHub's copy)."""

    def __init__(self, project: Path, root: Path) -> None:
        self.origin = root / "origin.git"
        self.work = root / "work"
        # The rendered project has one commit on main; GitHub gets it as the first push.
        shutil.copytree(project / ".git", root / "seed.git")
        git(root, "clone", "-q", "--bare", str(root / "seed.git"), str(self.origin))
        shutil.rmtree(root / "seed.git")
        git(root, "clone", "-q", str(self.origin), str(self.work))
        # As in a user's clone: act reads github.repository from this URL. Pushes go to
        # the bare repository by path.
        git(self.work, "remote", "set-url", "origin", f"https://github.com/{OWNER_REPO}.git")

    def sha(self, rev: str = "HEAD") -> str:
        return git(self.work, "rev-parse", rev).strip()

    def switch(self, branch: str, start: str | None = None) -> None:
        """Check out branch (creating it from start when given)."""
        git(self.work, "switch", "-q", *(["-c", branch, start] if start else [branch]))

    def commit(self, message: str, files: dict[str, str]) -> str:
        """Commit files (path -> text appended to it) on the current branch; return the sha."""
        for path, text in files.items():
            target = self.work / path
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a", encoding="utf-8") as handle:
                handle.write(text)
            git(self.work, "add", path)
        git(self.work, "commit", "-q", "-m", message)
        return self.sha()

    def push(self, branch: str) -> dict[str, Any]:
        """Push branch to origin; return the push event GitHub would send."""
        before = git(self.origin, "for-each-ref", "--format=%(objectname)", f"refs/heads/{branch}").strip()
        git(self.work, "push", "-q", str(self.origin), f"{branch}:refs/heads/{branch}")
        after = self.sha(branch)
        return {
            "ref": f"refs/heads/{branch}",
            "before": before or "0" * 40,
            "after": after,
            "created": not before,
            "deleted": False,
            "forced": False,
            "head_commit": {"id": after},
            "repository": repository(),
        }

    def pull_request(
        self, number: int, head: str, base: str, action: str, title: str = "feat(reports): a change"
    ) -> dict[str, Any]:
        """Push head, make GitHub's merge commit refs/pull/<n>/merge; return the event.

        The work clone is left at the merge commit (detached), where act starts for a
        pull_request event (github.sha is that commit, as on GitHub).
        """
        git(self.work, "push", "-q", str(self.origin), f"{head}:refs/heads/{head}", f"{head}:refs/pull/{number}/head")
        head_sha, base_sha = self.sha(head), self.sha(base)
        git(self.work, "switch", "-q", "--detach", base_sha)
        git(self.work, "merge", "-q", "--no-ff", "-m", f"Merge {head} into {base}", head_sha)
        git(self.work, "push", "-q", str(self.origin), f"HEAD:refs/pull/{number}/merge")
        pull = {
            "number": number,
            "title": title,
            "state": "closed" if action == "closed" else "open",
            "head": {"ref": head, "sha": head_sha, "repo": {"full_name": OWNER_REPO}},
            "base": {"ref": base, "sha": base_sha, "repo": {"full_name": OWNER_REPO}},
        }
        return {"action": action, "number": number, "pull_request": pull, "repository": repository()}

    def remote_tags(self) -> list[str]:
        return sorted(git(self.origin, "tag", "--list").split())


def repository() -> dict[str, Any]:
    return {"full_name": OWNER_REPO, "name": OWNER_REPO.split("/")[1], "default_branch": "main"}
