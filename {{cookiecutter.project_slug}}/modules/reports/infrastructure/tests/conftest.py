"""Running the reports stacks under mocks, for the tests in this folder."""

import json
from pathlib import Path

import pytest

from reports.infrastructure import program
from stack.infra.conventions import (
    AWS_ACCOUNT_ID,
    AWS_REGION,
    FOUNDATION_PROJECT,
    FOUNDATION_STACK,
    PROJECT_SLUG,
    PULUMI_ORG,
    service_stack_reference,
)
from stack.infra.testing import (
    IMAGE_DIGESTS,
    RecordingMocks,
    foundation_outputs,
    load_stack_config,
    run_program,
    service_outputs,
)

PROJECT_DIR = Path("modules/reports/infrastructure")
CLOUD_FOUNDATION = f"{PULUMI_ORG}/{FOUNDATION_PROJECT}/{FOUNDATION_STACK}"
FOUNDATION = foundation_outputs(AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG)


def run_stack(stack, entry=program.main, organization=PULUMI_ORG, **overrides):
    project, config = load_stack_config(PROJECT_DIR, stack)
    config.setdefault("imageTag", "sha-abc123")
    config.setdefault("imageDigests", IMAGE_DIGESTS)
    config.update(overrides)
    config = {k: v for k, v in config.items() if v is not None}
    mocks = RecordingMocks(
        account_id=AWS_ACCOUNT_ID,
        region=AWS_REGION,
        stack_outputs={
            CLOUD_FOUNDATION: FOUNDATION,
            f"organization/{FOUNDATION_PROJECT}/{FOUNDATION_STACK}": FOUNDATION,
            # The modules it uses (module.toml), as their stacks export them.
            **{
                service_stack_reference(organization, name, stack): service_outputs(
                    AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG, name, stack
                )
                for name in program.SERVICE.declaration.uses
            },
        },
    )
    return run_program(entry, project=project, stack=stack, config=config, mocks=mocks, organization=organization)


@pytest.fixture(scope="module", params=["test", "prod", "preview-42"])
def deployed(request):
    return request.param, run_stack(request.param)


def environment_of(stack):
    return "preview" if stack.startswith("preview-") else stack


def containers(result):
    found = {}
    for task in result.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        [container] = json.loads(task.inputs["containerDefinitions"])
        found[task.inputs["family"].rsplit("-", 1)[-1]] = container
    return found
