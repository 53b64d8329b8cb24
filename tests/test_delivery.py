"""The generated GitHub Actions delivery: workflows are valid and safe, and per-service
semantic-release produces the versions the docs promise.

The planning tool's own cases (changed services, events, tags) are tested inside the
generated repo (tools/delivery/tests, run by `./pants test ::`).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.rendering import copy_project, git

VENV_BIN = Path(sys.executable).parent
THIRD_PARTY_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
# "# v4.2.2" after a pinned `uses:`: the version a reader (and Dependabot) sees.
VERSION_COMMENT = re.compile(r"uses:\s*\S+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+)*\s*$")


def tool(name: str) -> str:
    path = VENV_BIN / name
    assert path.exists(), f"{name} is not installed next to this Python; see tests/requirements.txt"
    return str(path)


def workflow_files(project: Path) -> list[Path]:
    files = sorted((project / ".github/workflows").glob("*.yml"))
    assert files, "the generated repo has no workflows"
    return files


def action_files(project: Path) -> list[Path]:
    return sorted((project / ".github/actions").glob("*/action.yml"))


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def steps_of(document: dict) -> list[dict]:
    if "runs" in document:
        return document["runs"].get("steps", [])
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_workflows_and_actions_validate_against_the_github_schemas(project: Path) -> None:
    for schema, files in (
        ("vendor.github-workflows", workflow_files(project)),
        ("vendor.github-actions", action_files(project)),
    ):
        result = subprocess.run(
            [tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_reports_nothing_of_medium_severity_or_above(project: Path) -> None:
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--min-severity", "medium", "--format", "json", ".github"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    findings = json.loads(result.stdout or "[]")
    assert findings == [], json.dumps(findings, indent=2)[:5000]


def test_every_zizmor_suppression_gives_a_reason(project: Path) -> None:
    for path in [*workflow_files(project), *action_files(project)]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = re.search(r"zizmor:\s*ignore\[[^\]]+\](.*)$", line)
            if match:
                reason = match.group(1).strip(" -:—")
                assert len(reason.split()) >= 3, f"{path.name}:{number}: suppression without a reason: {line.strip()}"


def test_third_party_actions_are_pinned_to_commit_shas_with_a_version_comment(project: Path) -> None:
    for path in [*workflow_files(project), *action_files(project)]:
        text = path.read_text()
        document = load(path)
        uses = [step["uses"] for step in steps_of(document) if "uses" in step]
        uses += [job["uses"] for job in document.get("jobs", {}).values() if "uses" in job]
        for ref in uses:
            if ref.startswith("./"):
                continue
            assert THIRD_PARTY_PIN.match(ref), f"{path.name}: {ref} is not pinned to a full commit SHA"
        for line in text.splitlines():
            if re.search(r"uses:\s*[\w.-]+/[\w./-]+@", line):
                assert VERSION_COMMENT.search(line), f"{path.name}: pinned action without a version comment: {line.strip()}"


def test_no_expression_is_expanded_inside_a_shell_script(project: Path) -> None:
    for path in [*workflow_files(project), *action_files(project)]:
        for step in steps_of(load(path)):
            if "run" in step:
                assert "${{" not in step["run"], f"{path.name}: step {step.get('name')!r} expands an expression in run:"


def test_permissions_are_minimal_and_oidc_is_granted_only_where_a_role_is_assumed(project: Path) -> None:
    for path in workflow_files(project):
        document = load(path)
        assert document.get("permissions") == {}, f"{path.name}: workflow-level permissions must be {{}}"
        for name, job in document["jobs"].items():
            permissions = job.get("permissions")
            assert isinstance(permissions, dict), f"{path.name}:{name} sets no job permissions"
            assert "write-all" not in str(permissions)
            assumes_role = any(
                "configure-aws-credentials" in step.get("uses", "") for step in job.get("steps", [])
            ) or job.get("uses", "").endswith("deploy-stacks.yml")
            has_oidc = permissions.get("id-token") == "write"
            assert has_oidc == assumes_role, f"{path.name}:{name}: id-token: write must go with an assumed role"


def test_jobs_that_assume_roles_or_read_secrets_skip_fork_pull_requests(project: Path) -> None:
    preview = load(project / ".github/workflows/preview.yml")
    assert preview["jobs"]["plan"]["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    # Everything else in the preview workflow depends on the plan job.
    for name, job in preview["jobs"].items():
        if name != "plan":
            assert "plan" in (job["needs"] if isinstance(job["needs"], list) else [job["needs"]])
    # CI, the workflow forks do run, uses no secret and no role.
    ci = (project / ".github/workflows/ci.yml").read_text()
    assert "secrets." not in ci and "id-token" not in ci


def test_each_stack_has_one_deploy_queue_that_never_cancels_a_running_update(project: Path) -> None:
    for name in ("deploy-stacks.yml", "preview.yml"):
        document = load(project / ".github/workflows" / name)
        for job_name, job in document["jobs"].items():
            if "matrix" in job.get("strategy", {}):
                assert job["concurrency"] == {
                    "group": "pulumi-${{ matrix.stack.qualified }}",
                    "cancel-in-progress": False,
                }, f"{name}:{job_name}"


def test_releases_are_published_only_after_every_stack_is_deployed(project: Path) -> None:
    deploy = load(project / ".github/workflows/deploy.yml")
    # One run per branch at a time, never cancelled halfway.
    assert deploy["concurrency"] == {"group": "deploy-${{ github.ref }}", "cancel-in-progress": False}
    jobs = deploy["jobs"]
    assert "deploy" in jobs["release"]["needs"] and jobs["release"]["uses"].endswith("release.yml")
    assert "release" not in str(jobs["deploy"].get("needs"))
    # The images get the release tags the plan job worked out, before anything is published.
    assert jobs["deploy"]["with"]["release-images"] == "${{ needs.plan.outputs.release-images }}"
    versions = next(step for step in jobs["plan"]["steps"] if step.get("id") == "versions")
    assert "tools.delivery release" in versions["run"] and "--publish" not in versions["run"]


def test_ci_can_only_preview_the_foundation(project: Path) -> None:
    foundation = load(project / ".github/workflows/foundation.yml")
    runs = [step.get("run", "") for step in steps_of(foundation)]
    assert any("tools.delivery preview" in run for run in runs)
    assert not any("pulumi up" in run or "tools.delivery up" in run for run in runs)
    assert foundation["jobs"]["preview"]["environment"] == "foundation"


def test_every_pulumi_preview_and_up_runs_the_policy_pack(project: Path) -> None:
    """Pulumi runs the commands through tools.delivery, which hands --policy-pack on."""
    runs = [
        step.get("run", "")
        for path in workflow_files(project)
        for step in steps_of(load(path))
        if re.search(r"tools\.delivery (up|preview) |pulumi (up|preview)\b", step.get("run", ""))
    ]
    assert len(runs) >= 2, runs  # the stacks' up, the foundation's preview
    for run in runs:
        assert "--policy-pack stack/infra/policy_pack" in run, run
    assert (project / "stack/infra/policy_pack/PulumiPolicy.yaml").is_file()


def test_release_workflow_pins_the_semantic_release_version_the_suite_tests(project: Path) -> None:
    pinned = re.search(r"^python-semantic-release==(\S+)$", Path("tests/requirements.txt").read_text(), re.M)
    assert pinned, "tests/requirements.txt must pin python-semantic-release"
    installs = {
        path.name: re.findall(r'"python-semantic-release==([^"]+)"', path.read_text()) for path in workflow_files(project)
    }
    # The plan job works out the versions, the release job publishes them: the same version.
    assert installs["release.yml"] == installs["deploy.yml"] == [pinned.group(1)]
    assert all(found in ([], [pinned.group(1)]) for found in installs.values()), installs


# --- semantic-release, per service, in a scratch repository --------------------------------


def _release(repo: Path, branch: str) -> list[dict]:
    """Run the generated repo's release command (as the workflow does, minus publishing)."""
    result = subprocess.run(
        [
            sys.executable, "-m", "tools.delivery", "release",
            "--services", json.dumps(["billing", "reports"]),
            "--branch", branch, "--sha", git(repo, "rev-parse", "HEAD").strip(),
            "--semantic-release", tool("semantic-release"),
        ],
        cwd=repo,
        env={**os.environ, "GITHUB_OUTPUT": ""},
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)["releases"]


@pytest.fixture
def release_repo(project: Path, tmp_path: Path) -> Path:
    """The generated repo plus a second service, both released at 1.0.0, on a dev branch."""
    repo = copy_project(project, tmp_path / "release-repo")
    for name, content in {
        "modules/billing/backend/api/Dockerfile": "FROM scratch\n",
        "modules/billing/backend/__init__.py": "",
        "modules/billing/infrastructure/Pulumi.yaml": "name: billing\nruntime: python\n",
    }.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "chore: add the billing service")
    git(repo, "tag", "reports-v1.0.0")
    git(repo, "tag", "billing-v1.0.0")
    # semantic-release wants a remote named origin; nothing is pushed.
    git(repo, "remote", "add", "origin", "https://github.com/acme/acme-services.git")
    git(repo, "checkout", "-q", "-b", "dev")
    return repo


def _touch(repo: Path, path: str, message: str) -> None:
    target = repo / path
    target.write_text(target.read_text() + "\n# change\n" if target.exists() else "# new\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_semantic_release_versions_each_service_from_its_own_commits(release_repo: Path) -> None:
    repo = release_repo
    _touch(repo, "modules/reports/backend/service/summaries.py", "feat: summaries by day")
    _touch(repo, "docs/index.md", "feat: a docs-only feature does not release a service")

    first = _release(repo, "dev")
    assert [(r["tag"], r["prerelease"]) for r in first] == [("reports-v1.1.0-rc.1", True)]
    assert first[0]["images"][0]["release_tag"] == "reports-v1.1.0-rc.1"
    assert first[0]["images"][1]["release_tag"] == "reports-worker-v1.1.0-rc.1"
    assert git(repo, "tag", "--list", "billing-*").split() == ["billing-v1.0.0"]

    _touch(repo, "modules/reports/backend/api/routes.py", "fix: clearer error message")
    assert [r["tag"] for r in _release(repo, "dev")] == ["reports-v1.1.0-rc.2"]
    # Nothing new for either service: no release.
    assert _release(repo, "dev") == []

    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge branch 'dev'", "dev")
    stable = _release(repo, "main")
    assert [(r["tag"], r["prerelease"]) for r in stable] == [("reports-v1.1.0", False)]
    assert git(repo, "tag", "--list", "billing-*").split() == ["billing-v1.0.0"]
