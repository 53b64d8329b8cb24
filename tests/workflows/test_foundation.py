"""foundation.yml's trigger paths: a pull request, or a push to main, that changes
stack/infra/foundation/ or stack/infra/conventions.py previews the foundation; nothing else
does. The filters are read from the rendered workflow and applied to the real diff (see
triggers.py: act ignores them); act runs the preview job for the events they let through."""

from pathlib import Path

import pytest
import yaml

from tests.rendering import git
from tests.workflows.act import Act
from tests.workflows.history import Remote
from tests.workflows.triggers import starts

SKIP_CLOUD = {"SKIP_CLOUD_STEPS": "true"}


def on_filters(remote: Remote) -> dict:
    document = yaml.safe_load((remote.work / ".github/workflows/foundation.yml").read_text())
    return document[True]  # PyYAML reads the key `on` as True


def changed(remote: Remote, base: str, head: str) -> list[str]:
    return git(remote.work, "diff", "--name-only", base, head).split()


@pytest.mark.parametrize(
    ("path", "previews"),
    [
        ("stack/infra/foundation/program.py", True),
        ("stack/infra/conventions.py", True),
        ("stack/libs/settings.py", False),
        ("modules/reports/infrastructure/__main__.py", False),
    ],
)
def test_a_pull_request_previews_the_foundation_only_when_it_changes(
    act: Act, remote: Remote, tmp_path: Path, path: str, previews: bool
) -> None:
    remote.switch("feature/infra", "main")
    remote.commit("chore: a change", {path: "# changed\n"})
    event = remote.pull_request(9, "feature/infra", "main", "opened")
    pull = event["pull_request"]
    paths = changed(remote, pull["base"]["sha"], pull["head"]["sha"])
    assert starts(on_filters(remote), "pull_request", "main", paths) == previews
    if previews:
        run = act.run(remote.work, remote.origin, "pull_request", event, "foundation.yml", env=SKIP_CLOUD,
                      scratch=tmp_path / "run")  # fmt: skip
        assert run.job("preview").result == "success", run.summary()


@pytest.mark.parametrize(("branch", "previews"), [("main", True), ("dev", False)])
def test_only_a_push_to_main_previews_the_foundation(
    act: Act, remote: Remote, tmp_path: Path, branch: str, previews: bool
) -> None:
    if branch != "main":
        remote.switch(branch, "main")
        remote.push(branch)
    remote.commit("chore: a change", {"stack/infra/foundation/program.py": "# changed\n"})
    event = remote.push(branch)
    paths = changed(remote, event["before"], event["after"])
    assert starts(on_filters(remote), "push", branch, paths) == previews
    if previews:
        run = act.run(remote.work, remote.origin, "push", event, "foundation.yml", env=SKIP_CLOUD,
                      scratch=tmp_path / "run")  # fmt: skip
        preview = run.job("preview")
        assert preview.result == "success", run.summary()
        assert preview.step("pulumi preview").result == "skipped"
