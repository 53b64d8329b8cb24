"""The checks catch broken wiring: the same dev deploy, run from a workflow with one
output renamed between the plan job and its consumers, or one `if:` condition wrong, fails
them (and publishes no release)."""

from pathlib import Path

import pytest

from tests.workflows.act import Act
from tests.workflows.checks import check_dev_deploy_released, deploy_dev
from tests.workflows.fake_github import FakeGitHub
from tests.workflows.history import Remote

BREAKAGES = {
    # The deploy job reads an output name the plan job does not publish.
    "output name": (
        "      stacks: ${{ needs.plan.outputs.stacks }}\n",
        "      stacks: ${{ needs.plan.outputs.stack }}\n",
        "the stack jobs did not get the planned stacks",
    ),
    # The deploy job's condition reads the step's output name, not the job's.
    "if: condition": (
        "    if: needs.plan.outputs.has-stacks == 'true'\n",
        "    if: needs.plan.outputs.has_stacks == 'true'\n",
        "the stack jobs did not get the planned stacks",
    ),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_broken_deploy_workflow_fails_the_checks(
    act: Act, remote: Remote, github: FakeGitHub, tmp_path: Path, breakage: str
) -> None:
    good, bad, failure = BREAKAGES[breakage]
    # act reads the workflow definitions from the directory it starts in (the jobs' own
    # checkouts still clone the unbroken history).
    workflow = remote.work / ".github/workflows/deploy.yml"
    text = workflow.read_text()
    assert text.count(good) == 1, f"deploy.yml no longer has {good.strip()!r}: update BREAKAGES"
    workflow.write_text(text.replace(good, bad))

    run, sha = deploy_dev(act, remote, tmp_path / "run", {"SKIP_CLOUD_STEPS": "true"})
    with pytest.raises(AssertionError, match=failure):
        check_dev_deploy_released(run, remote, github, sha)
    assert remote.remote_tags() == []
