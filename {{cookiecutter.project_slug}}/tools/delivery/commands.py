"""Running the external CLIs the delivery steps drive (pulumi, gh, aws)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path


class CommandError(RuntimeError):
    def __init__(self, args: Sequence[str], returncode: int, stderr: str) -> None:
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"{' '.join(args)} exited {returncode}: {stderr.strip()[-2000:]}")


# (argv, working directory) -> stdout; raises CommandError on a non-zero exit. A runner may
# also take `stdin=` text (only `docker login` needs it).
Runner = Callable[..., str]


def run(args: Sequence[str], cwd: Path | None = None, stdin: str | None = None) -> str:
    # The argv comes from this tool's own code (fixed CLIs), never through a shell.
    result = subprocess.run(list(args), cwd=cwd, input=stdin, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise CommandError(args, result.returncode, result.stderr)
    return result.stdout


def stream(args: Sequence[str], cwd: Path | None = None) -> str:
    """Run a long command (Pants, docker push) with its output going to the job log."""
    result = subprocess.run(list(args), cwd=cwd, check=False)  # noqa: S603 - fixed CLIs, no shell
    if result.returncode != 0:
        raise CommandError(args, result.returncode, "see its output above")
    return ""
