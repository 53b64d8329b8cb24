"""pr-title.yml run by act on a good and a bad pull request title."""

from pathlib import Path

from tests.workflows.act import Act
from tests.workflows.checks import REPORTS
from tests.workflows.history import Remote


def run_with_title(act: Act, remote: Remote, scratch: Path, title: str):
    remote.switch("feature/csv", "main")
    remote.commit("feat(reports): CSV export", {REPORTS: "# CSV\n"})
    event = remote.pull_request(3, "feature/csv", "main", "edited", title=title)
    return act.run(remote.work, remote.origin, "pull_request", event, "pr-title.yml", scratch=scratch)


def test_a_conventional_title_passes(act: Act, remote: Remote, tmp_path: Path) -> None:
    run = run_with_title(act, remote, tmp_path / "run", "feat(reports): add CSV export")
    job = run.job("conventional-title")
    assert job.result == "success", run.summary()
    assert job.step("Check the title").outputs == {"valid": "true", "problems": "[]", "release": "minor"}


def test_a_title_that_is_not_conventional_fails_the_check(act: Act, remote: Remote, tmp_path: Path) -> None:
    run = run_with_title(act, remote, tmp_path / "run", "Add CSV export")
    job = run.job("conventional-title")
    assert job.result == "failure"
    step = job.step("Check the title")
    assert step.result == "failure"
    assert step.outputs["valid"] == "false"
