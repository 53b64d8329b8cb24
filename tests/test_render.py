"""What a render produces: the layout, no leftover template syntax, valid config files."""

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml


from tests.conftest import UNUSUAL_NAME

TOP_LEVEL = [
    "pants.toml",
    "BUILD",
    "pants",
    "modules",
    "stack",
    "3rdparty",
    "lockfiles",
    "docs",
    ".github",
    "cookiecutter-service",
    "README.md",
    ".gitignore",
    "mkdocs.yml",
]

MODULE_PARTS = ["api", "service", "worker", "schemas", "public", "tests"]


def project_files(project: Path) -> list[Path]:
    """The files the template produced (as committed by render_project), not build outputs."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=project, capture_output=True, text=True, check=True)
    return [project / name for name in listed.stdout.split("\0") if name]


def test_layout(project: Path) -> None:
    for name in TOP_LEVEL:
        assert (project / name).exists(), f"{name} missing from the generated repo"
    assert os.access(project / "pants", os.X_OK)
    for part in MODULE_PARTS:
        assert (project / "modules/reports/backend" / part).is_dir()
    assert list((project / "lockfiles").glob("*.lock")), "lockfiles must be committed"


def test_every_resolve_has_a_committed_lockfile(project: Path) -> None:
    config = tomllib.loads((project / "pants.toml").read_text())
    resolves = config["python"]["resolves"]
    assert config["python"]["enable_resolves"] is True
    assert {"reports", "pytest", "mypy", "ruff"} <= set(resolves)
    for name, path in resolves.items():
        assert (project / path).is_file(), f"resolve {name} has no lockfile at {path}"


@pytest.mark.parametrize("which", ["project", "unusual_project"])
def test_no_unrendered_template_syntax(which: str, request: pytest.FixtureRequest) -> None:
    project: Path = request.getfixturevalue(which)
    leftovers = []
    for path in project_files(project):
        relative = path.relative_to(project)
        if relative.parts[0] == "cookiecutter-service":
            continue
        text = path.read_text(errors="ignore")
        # GitHub Actions expressions are ${{ ... }}; anything else with {{ or {% is a leftover.
        if re.search(r"(?<!\$)\{\{|\{%", text):
            leftovers.append(str(relative))
    assert leftovers == []


@pytest.mark.parametrize("which", ["project", "unusual_project"])
def test_config_and_code_files_parse(which: str, request: pytest.FixtureRequest) -> None:
    project: Path = request.getfixturevalue(which)
    checked = 0
    for path in project_files(project):
        if path.relative_to(project).parts[0] == "cookiecutter-service":
            continue
        text = path.read_text(errors="ignore")
        if path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in (".yml", ".yaml"):
            list(yaml.safe_load_all(text))
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".py" or path.name == "BUILD":
            ast.parse(text, filename=str(path))
        else:
            continue
        checked += 1
    assert checked > 20


def test_unusual_name_survives_in_config(unusual_project: Path) -> None:
    mkdocs = yaml.safe_load((unusual_project / "mkdocs.yml").read_text())
    assert mkdocs["site_name"] == UNUSUAL_NAME
    assert UNUSUAL_NAME in (unusual_project / "README.md").read_text()


@pytest.mark.parametrize("which", ["project", "unusual_project"])
def test_docs_build_strict(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    project: Path = request.getfixturevalue(which)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site/index.html").is_file()
