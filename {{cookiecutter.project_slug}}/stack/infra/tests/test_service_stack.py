"""The settings every service stack reads: images are given by digest, and only by digest."""

import json

import pytest

from stack.infra.conventions import AWS_ACCOUNT_ID, AWS_REGION, FOUNDATION_PROJECT, PROJECT_SLUG
from stack.infra.service_stack import ServiceSpec, deploy, parse_image_digests
from stack.infra.testing import IMAGE_DIGESTS, RecordingMocks, foundation_outputs, run_program


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


FOUNDATION_REFERENCE = "organization/" + FOUNDATION_PROJECT + "/shared"


def deploy_probe(stack, digests=IMAGE_DIGESTS, **spec):
    mocks = RecordingMocks(
        account_id=AWS_ACCOUNT_ID,
        region=AWS_REGION,
        stack_outputs={FOUNDATION_REFERENCE: foundation_outputs(AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG)},
    )
    config = {"imageTag": "main-0123456789ab", "imageDigests": digests}
    return run_program(
        lambda: deploy(ServiceSpec(name="probe", env_prefix="PROBE_", **spec)),
        project=f"{PROJECT_SLUG}-probe",
        stack=stack,
        config=config,
        mocks=mocks,
    )


@pytest.mark.parametrize("stack", ["test", "prod", "preview-3"])
def test_every_task_runs_its_image_by_digest_from_its_environments_repository(stack):
    environment = "preview" if stack.startswith("preview-") else stack
    repository = f"{AWS_ACCOUNT_ID}.dkr.ecr.{AWS_REGION}.amazonaws.com/{PROJECT_SLUG}-{environment}"
    result = deploy_probe(stack)
    images = {}
    for task in result.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        [container] = json.loads(task.inputs["containerDefinitions"])  # no tracing sidecar here
        images[task.inputs["family"].rsplit("-", 1)[-1]] = container["image"]
    assert images == {component: f"{repository}@{digest}" for component, digest in IMAGE_DIGESTS.items()}
    assert result.outputs["imageDigests"] == IMAGE_DIGESTS


def test_a_component_without_a_digest_is_refused():
    with pytest.raises(ValueError, match=r"no digest for \['worker'\]"):
        deploy_probe("test", digests={"api": IMAGE_DIGESTS["api"]})
    # A service without a worker needs no worker digest.
    deploy_probe("test", digests={"api": IMAGE_DIGESTS["api"]}, has_worker=False)
