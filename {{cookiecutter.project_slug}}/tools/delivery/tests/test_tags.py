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


def test_images_are_named_after_service_and_component_with_one_shared_suffix() -> None:
    suffix, by_component = tags.image_tags("reports", ["api", "worker"], "dev", SHA)
    assert suffix == "dev-0123456789ab"
    assert by_component == {"api": "reports-dev-0123456789ab", "worker": "reports-worker-dev-0123456789ab"}


def test_branch_with_slash_and_uppercase_gives_a_valid_tag() -> None:
    tag = tags.image_tag("reports", "worker", "Feature/JIRA-123_New-Thing", SHA)
    assert tag == "reports-worker-feature-jira-123_new-thing-0123456789ab"
    assert DOCKER_TAG.match(tag)


def test_long_branch_is_truncated_to_128_characters_keeping_service_and_sha() -> None:
    suffix, by_component = tags.image_tags("reports", ["api", "worker"], "feature/" + "x" * 300, SHA)
    # The longest image name decides the room left, so every image shares the suffix.
    assert len(by_component["worker"]) == 128
    assert by_component["api"] == f"reports-{suffix}"
    assert by_component["worker"].startswith("reports-worker-feature-xxx")
    assert suffix.endswith("-0123456789ab")
    assert all(DOCKER_TAG.match(tag) for tag in by_component.values())


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


def test_pull_request_tags_name_the_pull_request_not_its_branch() -> None:
    assert tags.preview_label(42) == "pr42"
    suffix, by_component = tags.image_tags("reports", ["api", "worker"], tags.preview_label(42), SHA)
    assert by_component == {"api": "reports-pr42-0123456789ab", "worker": "reports-worker-pr42-0123456789ab"}
    with pytest.raises(ValueError, match="not a pull request number"):
        tags.preview_label(0)
