"""deploy.yml run by act: the plan of a push to dev and to main, and the release that is
published (tags pushed to origin, GitHub release created) only after every stack deployed.

SKIP_CLOUD_STEPS=true skips the steps that need AWS, Docker or Pulumi (docs/delivery.md);
without it the stack job fails at its first cloud step, as a deploy whose role cannot be
assumed does.
"""

from pathlib import Path

from tests.workflows.act import Act
from tests.workflows.checks import REPORTS, check_dev_deploy_released, check_plan, deploy_dev
from tests.workflows.fake_github import FakeGitHub
from tests.workflows.history import Remote

SKIP_CLOUD = {"SKIP_CLOUD_STEPS": "true"}


def test_a_push_to_dev_deploys_test_then_releases_a_candidate(
    act: Act, remote: Remote, github: FakeGitHub, tmp_path: Path
) -> None:
    run, sha = deploy_dev(act, remote, tmp_path / "run", SKIP_CLOUD)
    check_dev_deploy_released(run, remote, github, sha)


def test_a_failed_deploy_releases_nothing(act: Act, remote: Remote, github: FakeGitHub, tmp_path: Path) -> None:
    run, sha = deploy_dev(act, remote, tmp_path / "run", env={})
    check_plan(run, environment="test", branch="dev", sha=sha, version="1.0.0-rc.1")
    [stack] = run.matrix_jobs("stack")
    assert stack.result == "failure"
    assert stack.step("Assume the test deploy role").result == "failure"
    assert not run.ran("release"), run.summary()
    assert remote.remote_tags() == []
    assert github.releases() == []


def test_a_push_to_main_plans_prod_and_a_stable_version(act: Act, remote: Remote, tmp_path: Path) -> None:
    sha = remote.commit("fix(reports): round totals", {REPORTS: "# rounding\n"})
    event = remote.push("main")
    run = act.run(remote.work, remote.origin, "push", event, "deploy.yml", job="plan", scratch=tmp_path / "run")
    check_plan(run, environment="prod", branch="main", sha=sha, version="1.0.0")
    assert not run.ran("stack")
    # The plan tags on its own runner only.
    assert remote.remote_tags() == []


def test_a_push_that_changes_no_service_plans_nothing(act: Act, remote: Remote, tmp_path: Path) -> None:
    remote.commit("docs: typo", {"docs/delivery.md": "\n"})
    event = remote.push("main")
    run = act.run(remote.work, remote.origin, "push", event, "deploy.yml", env=SKIP_CLOUD, scratch=tmp_path / "run")
    plan = run.job("plan")
    assert plan.result == "success", run.summary()
    assert plan.outputs["has-stacks"] == "false"
    assert plan.step("Install python-semantic-release").result == "skipped"
    assert run.job("deploy").result == "skipped", run.summary()
    assert run.job("release").result == "skipped", run.summary()
