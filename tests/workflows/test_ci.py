"""ci.yml run by act on pull requests: what ci-scope decides and the Pants goals it runs.

The changed-mode run executes the real goals (on the targets the change touches); the
everything-mode run skips them with SKIP_PANTS_GOALS=true (docs/delivery.md), which a full
`./pants ... ::` would make the slowest test of the suite.
"""

from pathlib import Path

from tests.workflows.act import Act
from tests.workflows.history import Remote

JOB = "pants"


def test_a_pull_request_checks_the_changed_targets_with_pants(act: Act, remote: Remote, tmp_path: Path) -> None:
    remote.switch("feature/tags", "main")
    # A leaf target (no dependents) keeps the real lint, check and test run short. The blank
    # lines keep the file as black formats it (a module-level comment after a function).
    remote.commit("test(tools): note on tags", {"tools/delivery/tests/test_tags.py": "\n\n# Checked by ci.yml.\n"})
    event = remote.pull_request(5, "feature/tags", "main", "opened")
    run = act.run(remote.work, remote.origin, "pull_request", event, "ci.yml", scratch=tmp_path / "run", timeout=900)

    job = run.job(JOB)
    scope = job.step("Decide what to check")
    assert scope.outputs["mode"] == "changed", run.summary()
    assert scope.outputs["base"] == event["pull_request"]["base"]["sha"]
    assert job.step("Changed targets and their dependents").result == "success", run.summary()
    assert job.step("Everything").result == "skipped"
    assert job.result == "success"


def test_a_lockfile_change_checks_everything(act: Act, remote: Remote, tmp_path: Path) -> None:
    remote.switch("deps/bump", "main")
    remote.commit("build(deps): refresh the reports lockfile", {"lockfiles/reports.lock": "\n"})
    event = remote.pull_request(6, "deps/bump", "main", "opened")
    run = act.run(remote.work, remote.origin, "pull_request", event, "ci.yml", env={"SKIP_PANTS_GOALS": "true"},
                  scratch=tmp_path / "run")  # fmt: skip

    job = run.job(JOB)
    assert job.result == "success", run.summary()
    scope = job.step("Decide what to check")
    assert scope.outputs["mode"] == "all"
    assert scope.outputs["reason"] == "build configuration or shared code changed"
    assert job.step("Changed targets and their dependents").result == "skipped"
