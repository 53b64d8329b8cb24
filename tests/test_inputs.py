"""The questions are validated before anything is written."""

from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException

from tests.rendering import render_project

BAD_ANSWERS = [
    ("project_slug", "Acme_Services", "lowercase letters, digits and single hyphens"),
    ("project_slug", "1acme", "starting with a letter"),
    ("project_slug", "acme--services", "single hyphens"),
    ("github_owner", "-acme", "GitHub user or organisation"),
    ("github_owner", "a" * 40, "1-39"),
    ("github_repo", "my repo", "GitHub repository name"),
    ("github_repo", "services.git", "ending in .git"),
    ("aws_account_id", "12345678901", "exactly 12 digits"),
    ("aws_account_id", "12345678901a", "exactly 12 digits"),
    ("aws_region", "europe-west-1", "AWS region code"),
    ("aws_region", "eu-west", "AWS region code"),
    ("pulumi_org", "acme org", "Pulumi organisation"),
    ("project_name", "   ", "must not be empty"),
    ("project_name", "two\nlines", "control characters"),
]


@pytest.mark.parametrize(("field", "value", "expected"), BAD_ANSWERS)
def test_bad_answer_is_rejected_with_field_value_and_form(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], field: str, value: str, expected: str
) -> None:
    with pytest.raises(FailedHookException):
        render_project(tmp_path, **{field: value})

    message = capfd.readouterr().err
    assert f"{field} {value!r}" in message or (field == "project_name" and field in message)
    assert expected in message
    assert list(tmp_path.iterdir()) == [], "a rejected render must leave no folder behind"


def test_all_problems_are_reported_at_once(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(FailedHookException):
        render_project(tmp_path, aws_account_id="42", aws_region="mars-1", github_owner="bad owner")
    message = capfd.readouterr().err
    assert "aws_account_id '42'" in message
    assert "aws_region 'mars-1'" in message
    assert "github_owner 'bad owner'" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("aws_region", "us-gov-west-1"),
        ("aws_region", "ap-southeast-5"),
        ("github_owner", "a-b-c"),
        ("github_repo", "my.repo_name-2"),
        ("pulumi_org", "acme_corp.dev"),
    ],
)
def test_valid_unusual_answers_are_accepted(tmp_path: Path, field: str, value: str) -> None:
    project = render_project(tmp_path, **{field: value})
    assert (project / "pants.toml").is_file()


def test_slug_is_derived_from_any_project_name(tmp_path: Path) -> None:
    project = render_project(tmp_path, project_name='Zoë\'s "Data" & Co')
    assert project.name == "zoe-s-data-co"
