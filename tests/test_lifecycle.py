"""cruft: a project records its template origin, and later template changes reach it."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.rendering import TEMPLATE_DIR, git, pants

CRUFT = [sys.executable, "-m", "cruft"]
IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "__pycache__", ".pytest_cache")


def cruft(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([*CRUFT, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"cruft {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def template_repo(tmp_path: Path) -> Path:
    """A scratch git copy of this template (cruft renders commits, not working trees)."""
    repo = tmp_path / "template"
    shutil.copytree(TEMPLATE_DIR, repo, ignore=IGNORED)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "template v1")
    return repo


def test_cruft_create_records_origin_and_update_brings_template_changes(template_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cruft(tmp_path, "create", "--no-input", "--output-dir", str(out), str(template_repo))
    project = out / "acme-services"
    first_commit = git(template_repo, "rev-parse", "HEAD").strip()

    recorded = json.loads((project / ".cruft.json").read_text())
    assert recorded["template"] == str(template_repo)
    assert recorded["commit"] == first_commit
    assert recorded["context"]["cookiecutter"]["project_slug"] == "acme-services"

    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Initial commit")
    assert cruft(project, "check").returncode == 0

    # A later template change: a new docs page and an edit to an existing file.
    generated = template_repo / "{{cookiecutter.project_slug}}"
    (generated / "docs" / "upgrade-note.md").write_text("# Upgrade note\n\nFor {{ cookiecutter.project_name }}.\n")
    # A platform improvement: shared code every module runs on.
    settings = generated / "stack/libs/settings.py"
    settings.write_text(settings.read_text().replace("max_body_bytes: int = 1_000_000", "max_body_bytes: int = 2_000_000"))
    git(template_repo, "add", "-A")
    git(template_repo, "commit", "-q", "-m", "template v2")

    behind = cruft(project, "check", check=False)
    assert behind.returncode != 0
    cruft(project, "update", "--skip-apply-ask")

    assert (project / "docs/upgrade-note.md").read_text() == "# Upgrade note\n\nFor Acme Services.\n"
    assert "max_body_bytes: int = 2_000_000" in (project / "stack/libs/settings.py").read_text()
    assert json.loads((project / ".cruft.json").read_text())["commit"] == git(template_repo, "rev-parse", "HEAD").strip()
    assert cruft(project, "check").returncode == 0

    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Update from the template")
    pants(project, "test", "::")


def test_ci_checks_for_template_updates_with_the_tested_cruft(project: Path) -> None:
    pinned = re.search(r"^cruft==(\S+)$", (TEMPLATE_DIR / "tests/requirements.txt").read_text(), re.M)
    assert pinned, "tests/requirements.txt must pin cruft"
    workflow = yaml.safe_load((project / ".github/workflows/template-check.yml").read_text())
    runs = [step.get("run", "") for step in workflow["jobs"]["cruft-check"]["steps"]]
    # Installed from hashed requirements whose input pins the cruft the suite tests.
    assert any("--require-hashes -r .github/requirements/cruft.txt" in run for run in runs)
    assert f"cruft=={pinned.group(1)}" in (project / ".github/requirements/cruft.in").read_text().split()
    assert f"cruft=={pinned.group(1)} " in (project / ".github/requirements/cruft.txt").read_text()
    assert any("cruft check" in run for run in runs)
