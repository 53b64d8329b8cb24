"""Render the template the way users do, and run commands in the result."""

import os
import shutil
import subprocess
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parent.parent

# Pants as the tests run it: no daemon left behind, one shared cache for every render.
PANTS_ENV = {"PANTS_PANTSD": "false", "PANTS_CONCURRENT": "true"}


def render_project(output_dir: Path, **answers: str) -> Path:
    """Render the template with cookiecutter into output_dir; return the project folder.

    The project is a git repository with one commit, as a user's would be.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    project = Path(
        cookiecutter(str(TEMPLATE_DIR), no_input=True, output_dir=str(output_dir), extra_context=answers)
    )
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Initial commit from the template")
    return project


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Template Tests",
        "GIT_AUTHOR_EMAIL": "tests@example.com",
        "GIT_COMMITTER_NAME": "Template Tests",
        "GIT_COMMITTER_EMAIL": "tests@example.com",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def pants(project: Path, *args: str, check: bool = True, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run ./pants in a rendered project; on failure the assertion shows Pants' output."""
    result = subprocess.run(
        ["./pants", *args],
        cwd=project,
        env={**os.environ, **PANTS_ENV},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"./pants {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-10000:]}"
        )
    return result


def code_python() -> str:
    """A CPython 3.12 (the rendered projects' interpreter) that runs, to start their PEX files
    with: a PEX's `#!/usr/bin/env python3.12` may meet a pyenv shim that has 3.12 switched off."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [shutil.which("python3.12"), *sorted(map(str, root.glob("versions/3.12*/bin/python3.12")))]
    for candidate in filter(None, candidates):
        check = subprocess.run([candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 12)"], capture_output=True)
        if check.returncode == 0:
            return candidate
    raise AssertionError("no CPython 3.12 found (python3.12 on PATH or pyenv's versions/3.12*)")


def copy_project(project: Path, destination: Path) -> Path:
    """A scratch copy of a rendered project (for tests that modify it)."""
    shutil.copytree(project, destination, symlinks=True)
    return destination
