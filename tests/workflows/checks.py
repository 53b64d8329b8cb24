"""What a deploy of dev must show, shared by the deploy tests and the checker's own test
(which breaks the workflows and expects these checks to fail)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.workflows.act import Act, Run
from tests.workflows.fake_github import FakeGitHub
from tests.workflows.history import Remote

REPORTS = "modules/reports/backend/service/__init__.py"


def push_feature_to_dev(remote: Remote) -> dict:
    """dev branched from main and pushed, then a feat(reports) commit pushed: the push event."""
    remote.switch("dev", "main")
    remote.push("dev")
    remote.commit("feat(reports): CSV export", {REPORTS: "# CSV export\n"})
    return remote.push("dev")


def deploy_dev(act: Act, remote: Remote, scratch: Path, env: dict[str, str]) -> tuple[Run, str]:
    event = push_feature_to_dev(remote)
    run = act.run(remote.work, remote.origin, "push", event, "deploy.yml", env=env, scratch=scratch)
    return run, event["after"]


def check_plan(run: Run, *, environment: str, branch: str, sha: str, version: str) -> dict[str, list]:
    """The plan job's outputs for a push that changes reports; returns them decoded."""
    plan = run.job("plan")
    assert plan.result == "success", run.summary()
    missing = {"environment", "services", "has-stacks", "stacks", "images", "release-images"} - set(plan.outputs)
    assert not missing, f"the plan job has no output {sorted(missing)}; it has {sorted(plan.outputs)}"
    assert plan.outputs["environment"] == environment
    assert json.loads(plan.outputs["services"]) == ["reports"]
    assert plan.outputs["has-stacks"] == "true"
    stacks = json.loads(plan.outputs["stacks"])
    assert [s["qualified"] for s in stacks] == [f"acme/acme-services-reports/{environment}"]
    assert stacks[0]["config"] == {"imageTag": f"{branch}-{sha[:12]}"}
    images = json.loads(plan.outputs["images"])
    assert sorted(i["tag"] for i in images) == [f"reports-{branch}-{sha[:12]}", f"reports-worker-{branch}-{sha[:12]}"]
    release_images = json.loads(plan.outputs["release-images"])
    assert sorted(i["release_tag"] for i in release_images) == [f"reports-v{version}", f"reports-worker-v{version}"]
    return {"stacks": stacks, "images": images, "release_images": release_images}


def check_dev_deploy_released(run: Run, remote: Remote, github: FakeGitHub, sha: str) -> None:
    """Plan -> one `test` stack job per planned stack, all green -> the release tag is pushed."""
    planned = check_plan(run, environment="test", branch="dev", sha=sha, version="1.0.0-rc.1")
    stack_jobs = run.matrix_jobs("stack")
    assert [job.matrix["stack"] for job in stack_jobs] == planned["stacks"], (
        f"the stack jobs did not get the planned stacks\n{run.summary()}"
    )
    for job in stack_jobs:
        assert job.result == "success", run.summary()
        # The environment input reached the called workflow (it names the role step).
        assert job.step("Assume the test deploy role").result == "skipped"
    release = run.job("release")
    assert release.result == "success", run.summary()
    assert json.loads(release.outputs["images"]) == planned["release_images"]
    assert remote.remote_tags() == ["reports-v1.0.0-rc.1"]
    assert [(r["tag_name"], r["prerelease"]) for r in github.releases()] == [("reports-v1.0.0-rc.1", True)]
