"""Repository hygiene of the generated repo: pre-commit, CODEOWNERS, pull request and issue
templates, the PR-title and dependency workflows. The workflow-wide checks (schemas,
zizmor, pinned actions, permissions) in test_delivery.py cover the new workflows too."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.rendering import PANTS_ENV, copy_project, git
from tests.test_delivery import THIRD_PARTY_PIN, load, tool

WORKFLOWS = Path(".github/workflows")


def test_pre_commit_config_is_valid(project: Path) -> None:
    result = subprocess.run(
        [tool("pre-commit"), "validate-config", ".pre-commit-config.yaml"], cwd=project, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_runs_the_pants_checks_ci_runs_and_the_workflow_schemas(project: Path) -> None:
    config = load(project / ".pre-commit-config.yaml")
    hooks = {hook["id"]: (repo["repo"], hook) for repo in config["repos"] for hook in repo["hooks"]}
    local = {hook_id: hook for hook_id, (repo, hook) in hooks.items() if repo == "local"}
    assert set(local) == {"pants-fix", "pants-fmt", "pants-lint", "pants-check", "pants-tailor"}
    for hook in local.values():
        assert hook["entry"].startswith("./pants ") and hook["language"] == "system"
        # One Pants run per hook, never one per batch of file names.
        assert hook["pass_filenames"] is False and hook["require_serial"] is True
    assert "--changed-since=HEAD lint" in local["pants-lint"]["entry"]
    assert "--changed-since=HEAD fmt" in local["pants-fmt"]["entry"]
    assert {"check-github-workflows", "check-github-actions", "check-yaml"} <= set(hooks)
    # The same check-jsonschema release the template's tests validate the workflows with.
    pinned = next(
        line.split("==")[1]
        for line in Path("tests/requirements.txt").read_text().splitlines()
        if "check-jsonschema" in line
    )
    [schema_repo] = [r for r in config["repos"] if r["repo"].endswith("/check-jsonschema")]
    assert schema_repo["rev"] == pinned
    assert (project / "pants").is_file() and os.access(project / "pants", os.X_OK)


def test_the_pants_lint_hook_fails_a_commit_that_breaks_lint(project: Path, tmp_path: Path) -> None:
    """The local hooks really run Pants on what changed (the remote hooks need GitHub, so
    only the local ones run here, from a copy of the config)."""
    repo = copy_project(project, tmp_path / "repo")
    config = load(repo / ".pre-commit-config.yaml")
    config["repos"] = [r for r in config["repos"] if r["repo"] == "local"]
    (tmp_path / "local-hooks.yaml").write_text(yaml.safe_dump(config))
    changed = repo / "tools/delivery/pr_title.py"

    def run_hook() -> subprocess.CompletedProcess:
        return subprocess.run(
            [tool("pre-commit"), "run", "--config", str(tmp_path / "local-hooks.yaml"), "pants-lint"]
            + ["--files", str(changed.relative_to(repo))],
            cwd=repo,
            env={**os.environ, **PANTS_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")},
            capture_output=True,
            text=True,
            timeout=900,
        )

    changed.write_text(changed.read_text() + "\nimport os\n")  # unused import: ruff F401
    git(repo, "add", str(changed.relative_to(repo)))
    failed = run_hook()
    # Failing for the lint error it was given proves the hook ran ruff on the changed file.
    assert failed.returncode != 0 and "F401" in failed.stdout, failed.stdout + failed.stderr


def test_codeowners_names_the_owner_for_paths_that_exist(project: Path) -> None:
    lines = [
        line.split()
        for line in (project / ".github/CODEOWNERS").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == ["*", "@acme"]
    for pattern, *owners in lines:
        assert owners == ["@acme"], pattern
        if pattern != "*":
            assert (project / pattern.strip("/")).exists(), f"CODEOWNERS names {pattern}, which does not exist"


def test_codeowners_uses_the_github_owner_answer(unusual_project: Path) -> None:
    text = (unusual_project / ".github/CODEOWNERS").read_text()
    assert "@Zoe-Org" in text and "@acme" not in text


def test_pull_request_template_examples_pass_the_title_check(project: Path) -> None:
    """The titles the template tells authors to write are the ones the PR-title check accepts,
    and its checklist is a list of unticked boxes (its commands are checked with the docs)."""
    template = (project / ".github/pull_request_template.md").read_text()
    examples = re.findall(r"`([a-z]+(?:\([^)]*\))?!?: [^`]+)`", template)
    assert len(examples) >= 2, template
    for example in examples:
        title = example.replace("...", "drop the v1 API")
        result = subprocess.run(
            [sys.executable, "-m", "tools.delivery", "check-title", "--title", title],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, (title, result.stderr)
    boxes = [line for line in template.splitlines() if line.lstrip().startswith("- [")]
    assert boxes and all(line.lstrip().startswith("- [ ] ") for line in boxes)


def test_issue_forms_follow_githubs_form_syntax(project: Path) -> None:
    """What GitHub requires of an issue form, or it shows the blank-issue page instead."""
    forms = sorted((project / ".github/ISSUE_TEMPLATE").glob("*.yml"))
    assert [f.name for f in forms] == ["bug_report.yml", "config.yml", "feature_request.yml"]
    for form in forms:
        document = yaml.safe_load(form.read_text())
        if form.name == "config.yml":
            # Blank issues are off, so every contact link must lead somewhere real.
            assert document["blank_issues_enabled"] is False
            for link in document["contact_links"]:
                assert set(link) == {"name", "url", "about"}, link
                assert link["url"].startswith("https://github.com/acme/acme-services/")
            continue
        assert document["name"] and document["description"], form.name
        body = document["body"]
        assert any(item["type"] != "markdown" for item in body), f"{form.name}: no input"
        ids = [item["id"] for item in body if "id" in item]
        assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids), form.name
        for item in body:
            kind, attributes = item["type"], item["attributes"]
            assert kind in {"textarea", "dropdown", "input", "markdown", "checkboxes"}, (form.name, kind)
            if kind == "markdown":
                assert attributes["value"].strip(), form.name
                continue
            assert attributes["label"].strip(), (form.name, item)
            if kind in {"dropdown", "checkboxes"}:
                options = [o if isinstance(o, str) else o["label"] for o in attributes["options"]]
                assert options and len(options) == len(set(options)), (form.name, item)
            assert isinstance(item.get("validations", {}).get("required", False), bool), (form.name, item)


def test_pr_title_check_never_puts_the_title_in_a_script(project: Path) -> None:
    text = (project / WORKFLOWS / "pr-title.yml").read_text()
    assert "pull_request.title" not in text and "github.event.pull_request" in text  # only the concurrency group
    document = load(project / WORKFLOWS / "pr-title.yml")
    [job] = document["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    runs = [step.get("run") for step in job["steps"]]
    assert runs[-2:] == ["python3 -m tools.delivery check-title", "python3 -m tools.contracts check-breaking"]
    assert document[True]["pull_request"]["types"] == ["opened", "edited", "synchronize", "reopened"]


def test_pr_title_check_runs_on_a_real_event_payload(project: Path, tmp_path: Path) -> None:
    def check(title: str) -> subprocess.CompletedProcess:
        event = tmp_path / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": 1, "title": title}}))
        return subprocess.run(
            [sys.executable, "-m", "tools.delivery", "check-title"],
            cwd=project,
            env={
                **os.environ,
                "GITHUB_EVENT_NAME": "pull_request",
                "GITHUB_EVENT_PATH": str(event),
                "GITHUB_OUTPUT": "",
            },
            capture_output=True,
            text=True,
        )

    assert check("feat(reports): add CSV export").returncode == 0
    refused = check('Update $(touch /tmp/pwned) "now"')
    assert refused.returncode != 0 and "not a Conventional Commits header" in refused.stderr


def test_upkeep_workflow_proposes_lockfiles_tool_pins_and_base_image_digests_with_the_workflow_token_only(
    project: Path,
) -> None:
    document = load(project / WORKFLOWS / "lockfiles.yml")
    assert document["name"] == "Upkeep"
    assert set(document[True]) == {"schedule", "workflow_dispatch"}
    [job] = document["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    steps = {step.get("name"): step for step in job["steps"]}
    assert steps["Regenerate the lockfiles"]["run"] == "./pants generate-lockfiles"
    assert steps["Pin the Pulumi CLI to the locked SDK"]["run"] == "python3 -m tools.delivery pin-pulumi-cli"
    regenerate = steps["Regenerate the hashed tool requirements"]["run"]
    assert "--require-hashes -r .github/requirements/pip-tools.txt" in regenerate
    assert "piptools compile --quiet --generate-hashes" in regenerate and ".github/requirements/*.in" in regenerate
    assert steps["Pin base images to their current digests"]["run"] == "python3 -m tools.delivery base-images --update"
    # Every .in has its hashed .txt, and the commands the files' headers name are the ones run here.
    for source in (project / ".github/requirements").glob("*.in"):
        assert source.with_suffix(".txt").is_file(), source
    publish = steps["Open or update the pull request"]
    assert publish["env"]["GH_TOKEN"] == "${{ github.token }}"
    assert "gh pr create" in publish["run"] and "build(deps): regenerate lockfiles" in publish["run"]
    assert "if git diff --quiet; then" in publish["run"] and "git add --update" in publish["run"]
    assert "secrets." not in (project / WORKFLOWS / "lockfiles.yml").read_text()


def test_dependency_audit_scans_every_lockfile_with_a_pinned_pip_audit(project: Path, tmp_path: Path) -> None:
    document = load(project / WORKFLOWS / "dependency-audit.yml")
    assert "schedule" in document[True] and "pull_request" in document[True]
    [job] = document["jobs"].values()
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "--require-hashes -r .github/requirements/pip-audit.txt" in runs and "--no-deps --disable-pip" in runs
    # The tools that deploy jobs install are audited like the lockfiles.
    assert "for file in locked-requirements/*.txt .github/requirements/*.txt; do" in runs
    for step in job["steps"]:
        if "uses" in step:
            assert THIRD_PARTY_PIN.match(step["uses"].split()[0])
    # The export step, on the render's real lockfiles.
    output = tmp_path / "locked"
    subprocess.run(
        [sys.executable, "-m", "tools.delivery", "locked-requirements", "--output", str(output)],
        cwd=project,
        env={**os.environ, "GITHUB_OUTPUT": ""},
        check=True,
        capture_output=True,
    )
    lockfiles = sorted(p.stem for p in (project / "lockfiles").glob("*.lock"))
    assert sorted(p.stem for p in output.glob("*.txt")) == lockfiles
    pins = {p.stem: p.read_text().splitlines()[1:] for p in output.glob("*.txt")}
    assert all(pins.values()) and all("==" in line for lines in pins.values() for line in lines)
    assert any(line.startswith("fastapi==") for line in pins["reports"])
    assert any(line.startswith("pulumi-aws==") for line in pins["infra"])

