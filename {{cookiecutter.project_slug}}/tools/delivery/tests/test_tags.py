import re

import pytest

from tools.delivery import tags

SHA = "0123456789abcdef0123456789abcdef01234567"
DOCKER_TAG = re.compile(r"^[a-z0-9_][a-z0-9_.-]{0,127}$")


@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        ("dev", "dev"),
        ("feature/Add-Reports", "feature-add-reports"),
        ("Users/ANNA/fix__things", "users-anna-fix__things"),
        ("release/1.2", "release-1.2"),
        ("weird//name@{x}", "weird-name-x"),
        ("-leading.dot", "leading.dot"),
        ("ünïcode", "n-code"),
        ("///", "branch"),
    ],
)
def test_sanitize_ref_makes_a_valid_lowercase_tag_fragment(branch: str, expected: str) -> None:
    assert tags.sanitize_ref(branch) == expected


def test_main_image_is_named_after_the_service_and_other_images_after_their_component() -> None:
    assert tags.image_tag("reports", "api", "dev", SHA) == "reports-dev-0123456789ab"
    assert tags.image_tag("reports", "worker", "dev", SHA) == "reports-worker-dev-0123456789ab"


def test_branch_with_slash_and_uppercase_gives_a_valid_tag() -> None:
    tag = tags.image_tag("reports", "worker", "Feature/JIRA-123_New-Thing", SHA)
    assert tag == "reports-worker-feature-jira-123_new-thing-0123456789ab"
    assert DOCKER_TAG.match(tag)


def test_long_branch_is_truncated_to_128_characters_keeping_service_and_sha() -> None:
    tag = tags.image_tag("reports", "worker", "feature/" + "x" * 300, SHA)
    assert len(tag) == 128
    assert tag.startswith("reports-worker-feature-xxx")
    assert tag.endswith("-0123456789ab")
    assert DOCKER_TAG.match(tag)


def test_image_tag_rejects_something_that_is_not_a_sha() -> None:
    with pytest.raises(ValueError, match="not a git commit sha"):
        tags.image_tag("reports", "api", "dev", "HEAD; rm -rf /")


def test_release_tags() -> None:
    assert tags.release_tag("reports", "api", "1.2.0") == "reports-v1.2.0"
    assert tags.release_tag("reports", "worker", "1.2.0-rc.3") == "reports-worker-v1.2.0-rc.3"
    assert tags.git_release_tag("reports", "1.2.0") == "reports-v1.2.0"
    with pytest.raises(ValueError, match="not a semantic version"):
        tags.release_tag("reports", "api", "latest")


def test_preview_stack_names_round_trip() -> None:
    assert tags.preview_stack(42) == "preview-42"
    assert tags.pr_number_of_stack("preview-42") == 42
    assert tags.pr_number_of_stack("prod") is None
    assert tags.pr_number_of_stack("preview-042") is None
    assert tags.qualified_stack("acme", "reports", "preview-42") == "acme/reports/preview-42"
    with pytest.raises(ValueError):
        tags.preview_stack(0)
