"""The settings every service stack reads: images are given by digest, and only by digest."""

import pytest

from stack.infra.service_stack import parse_image_digests
from stack.infra.testing import IMAGE_DIGESTS


def test_image_digests_are_one_sha256_per_component():
    assert parse_image_digests(IMAGE_DIGESTS) == IMAGE_DIGESTS


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "'imageDigests' is required"),
        ({}, "'imageDigests' is required"),
        ({"api": "reports-main-0123456789ab"}, "'imageDigests.api' is 'reports-main-0123456789ab', not sha256:"),
        ({"api": "sha256:" + "A" * 64}, "not sha256:<64 hex digits>"),
        ({"web": IMAGE_DIGESTS["api"]}, "unknown components ['web']"),
    ],
)
def test_a_tag_or_a_malformed_digest_is_refused_with_the_fix(value, message):
    with pytest.raises(ValueError) as error:
        parse_image_digests(value)
    assert message in str(error.value)
