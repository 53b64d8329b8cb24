"""Release bookkeeping around semantic-release, with a stand-in for its CLI.

The template's own test suite runs the real semantic-release against a scratch repository;
here a small script plays its part so the tool's decisions can be checked without it.
"""

import json
import sys
from pathlib import Path

import pytest

from tools.delivery.release import ReleaseError, release_config, release_service
from tools.delivery.services import discover_services
from tools.delivery.tests.conftest import Repo

# Prints the tag in $NEXT_TAG for --print-tag; otherwise tags HEAD with it (like
# `semantic-release version --no-commit --tag`) and records its arguments.
FAKE_SEMANTIC_RELEASE = """
import json, os, subprocess, sys
args = sys.argv[1:]
config = json.load(open(args[args.index("-c") + 1]))["semantic_release"]
tag = os.environ["NEXT_TAG"]
if "--print-tag" in args:
    print(tag)
else:
    subprocess.run(["git", "tag", tag], check=True)
    with open(os.environ["CALLS"], "a") as f:
        f.write(json.dumps({"cwd": os.getcwd(), "args": args, "tag_format": config["tag_format"]}) + "\\n")
"""


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    script = tmp_path / "fake_semantic_release.py"
    script.write_text(FAKE_SEMANTIC_RELEASE)
    calls = tmp_path / "calls.jsonl"
    monkeypatch.setenv("CALLS", str(calls))
    monkeypatch.setenv("GIT_COMMITTER_NAME", "t")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "t@example.com")
    return [sys.executable, str(script)], calls


def test_config_releases_each_service_from_its_own_commits() -> None:
    config = release_config("reports")["semantic_release"]
    assert config["tag_format"] == "reports-v{version}"
    assert config["commit_parser"] == "conventional-monorepo"
    assert config["commit_parser_options"] == {"path_filters": ["."]}
    assert config["branches"]["dev"] == {"match": "^dev$", "prerelease": True, "prerelease_token": "rc"}
    assert config["branches"]["main"]["prerelease"] is False


def test_a_new_version_is_tagged_and_its_images_named(
    repo: Repo, fake: tuple[list[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    command, calls = fake
    monkeypatch.setenv("NEXT_TAG", "reports-v1.1.0-rc.1")
    reports = next(s for s in discover_services(repo.path) if s.name == "reports")
    sha = repo.head()

    made = release_service(repo.path, reports, branch="dev", sha=sha, publish=False, command=command)

    assert made is not None
    assert (made.version, made.tag, made.prerelease) == ("1.1.0-rc.1", "reports-v1.1.0-rc.1", True)
    assert made.images == (
        {"component": "api", "source_tag": f"reports-dev-{sha[:12]}", "release_tag": "reports-v1.1.0-rc.1"},
        {
            "component": "worker",
            "source_tag": f"reports-worker-dev-{sha[:12]}",
            "release_tag": "reports-worker-v1.1.0-rc.1",
        },
    )
    call = json.loads(calls.read_text().splitlines()[0])
    assert Path(call["cwd"]).resolve() == (repo.path / "modules/reports").resolve()
    assert {"--no-commit", "--tag", "--no-push", "--no-vcs-release"} <= set(call["args"])
    assert call["tag_format"] == "reports-v{version}"


def test_publishing_pushes_the_tag_and_creates_a_github_release(
    repo: Repo, fake: tuple[list[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    command, calls = fake
    monkeypatch.setenv("NEXT_TAG", "billing-v2.0.0")
    billing = next(s for s in discover_services(repo.path) if s.name == "billing")
    made = release_service(repo.path, billing, branch="main", sha=repo.head(), publish=True, command=command)
    assert made is not None and not made.prerelease
    assert {"--push", "--vcs-release"} <= set(json.loads(calls.read_text())["args"])


def test_no_release_when_the_next_tag_already_exists(
    repo: Repo, fake: tuple[list[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    command, calls = fake
    repo.git("tag", "reports-v1.0.0")
    monkeypatch.setenv("NEXT_TAG", "reports-v1.0.0")
    reports = next(s for s in discover_services(repo.path) if s.name == "reports")
    assert release_service(repo.path, reports, branch="main", sha=repo.head(), publish=False, command=command) is None
    assert not calls.exists()


def test_an_unexpected_tag_is_an_error(
    repo: Repo, fake: tuple[list[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    command, _ = fake
    monkeypatch.setenv("NEXT_TAG", "v1.0.0")
    reports = next(s for s in discover_services(repo.path) if s.name == "reports")
    with pytest.raises(ReleaseError, match="unexpected tag"):
        release_service(repo.path, reports, branch="main", sha=repo.head(), publish=False, command=command)
