"""The [[ cookiecutter.service_name ]] stacks (test, prod, preview-<pr>) under mocks, with their committed settings."""

import json
import runpy
from pathlib import Path

import pytest

from [[ cookiecutter.service_name ]].infrastructure import program
from stack.infra.conventions import (
    AWS_ACCOUNT_ID,
    AWS_REGION,
    FOUNDATION_PROJECT,
    FOUNDATION_STACK,
    PROJECT_SLUG,
    PULUMI_ORG,
    service_stack_reference,
)
from stack.infra.policy import PolicyContext, enforce
from stack.infra.service_stack import results_bucket_name
from stack.infra.testing import (
    IMAGE_DIGESTS,
    RecordingMocks,
    foundation_outputs,
    load_stack_config,
    pulumi_project_problems,
    run_program,
    service_outputs,
)

SERVICE = "[[ cookiecutter.service_name ]]"
# AWS names use '-' where the package name has '_'.
NAME_IN_AWS = SERVICE.replace("_", "-")
PROJECT_DIR = Path(f"modules/{SERVICE}/infrastructure")
CLOUD_FOUNDATION = f"{PULUMI_ORG}/{FOUNDATION_PROJECT}/{FOUNDATION_STACK}"
FOUNDATION = foundation_outputs(AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG)
COMPONENTS = {
    component
    for component, present in (("api", program.SERVICE.has_api), ("worker", program.SERVICE.has_worker))
    if present
}


def run_stack(stack: str, entry=program.main, **overrides):
    project, config = load_stack_config(PROJECT_DIR, stack)
    config.setdefault("imageTag", "main-abc123")
    config.setdefault("imageDigests", IMAGE_DIGESTS)
    config.update(overrides)
    mocks = RecordingMocks(
        account_id=AWS_ACCOUNT_ID,
        region=AWS_REGION,
        stack_outputs={CLOUD_FOUNDATION: FOUNDATION, **used_stacks(stack)},
    )
    return run_program(entry, project=project, stack=stack, config=config, mocks=mocks, organization=PULUMI_ORG)


def used_stacks(stack: str) -> dict[str, dict]:
    """The stacks of the modules this one uses (module.toml), as their deploys export them."""
    return {
        service_stack_reference(PULUMI_ORG, name, stack): service_outputs(
            AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG, name, stack
        )
        for name in program.SERVICE.declaration.uses
    }


@pytest.fixture(scope="module", params=["test", "prod", "preview-42"])
def deployed(request):
    return request.param, run_stack(request.param)


def test_every_stack_passes_the_policy(deployed):
    stack, result = deployed
    environment = "preview" if stack.startswith("preview-") else stack
    enforce(result.resources, PolicyContext(environment=environment, require_permissions_boundary=True))


def test_containers_run_this_services_images_with_its_settings(deployed):
    stack, result = deployed
    found = {}
    for task in result.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        [container] = json.loads(task.inputs["containerDefinitions"])
        found[task.inputs["family"].rsplit("-", 1)[-1]] = container
    assert set(found) == COMPONENTS
    repository = FOUNDATION["ecrRepositoryUrls"]["preview" if stack.startswith("preview-") else stack]
    for component, container in found.items():
        env = {e["name"]: e["value"] for e in container["environment"]}
        assert env["[[ cookiecutter.env_prefix ]]QUEUE_URL"].endswith(f"{PROJECT_SLUG}-{stack}-{NAME_IN_AWS}-jobs")
        prefix = f"{PROJECT_SLUG}-{stack}-{NAME_IN_AWS}"
        assert env["[[ cookiecutter.env_prefix ]]BUCKET_NAME"] == results_bucket_name(prefix, AWS_ACCOUNT_ID)
        assert container["image"] == f"{repository}@{IMAGE_DIGESTS[component]}"


def test_exports_match_the_parts_of_the_module(deployed):
    _, result = deployed
    assert ("apiUrl" in result.outputs) is ("api" in COMPONENTS)
    assert ("workerServiceName" in result.outputs) is ("worker" in COMPONENTS)


def test_pulumi_project_files():
    assert pulumi_project_problems(PROJECT_DIR) == []
    for stack in ("test", "prod"):
        project, config = load_stack_config(PROJECT_DIR, stack)
        assert project == f"{PROJECT_SLUG}-{SERVICE}"
        assert config["foundationStack"] == CLOUD_FOUNDATION
        assert config["aws:allowedAccountIds"] == [AWS_ACCOUNT_ID]


def test_reads_the_foundation_and_the_modules_it_uses_through_fully_qualified_references(deployed):
    stack, result = deployed
    references = {reference.name for reference in result.of_type("pulumi:pulumi:StackReference")}
    assert references == {CLOUD_FOUNDATION, *used_stacks(stack)}


def test_autoscaling_bounds_come_from_the_stack_settings():
    overrides = {component: {"minCapacity": 2, "maxCapacity": 7} for component in COMPONENTS}
    bounds = {
        t.name.removesuffix("-scaling"): (t.inputs["minCapacity"], t.inputs["maxCapacity"])
        for t in run_stack("test", **overrides).of_type("aws:appautoscaling/target:Target")
    }
    assert bounds == {component: (2, 7) for component in COMPONENTS}


def test_prod_runs_on_demand_in_private_subnets_and_other_stacks_on_spot(deployed):
    stack, result = deployed
    for service in result.of_type("aws:ecs/service:Service"):
        if stack == "prod":
            assert service.inputs["launchType"] == "FARGATE" and "capacityProviderStrategies" not in service.inputs
            assert service.inputs["networkConfiguration"]["subnets"] == FOUNDATION["privateSubnetIds"]
            assert not service.inputs["networkConfiguration"].get("assignPublicIp")
        else:
            assert "launchType" not in service.inputs
            assert {s["capacityProvider"] for s in service.inputs["capacityProviderStrategies"]} >= {"FARGATE_SPOT"}


def test_entry_point_pulumi_runs_builds_the_same_stack():
    result = run_stack("test", entry=lambda: runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__"))
    assert result.outputs["environment"] == "test"


def test_it_may_send_to_the_modules_it_uses_and_to_nothing_else_of_theirs(deployed):
    stack, result = deployed
    used = {name: service_outputs(AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG, name, stack) for name in program.SERVICE.declaration.uses}
    for task in result.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        [container] = json.loads(task.inputs["containerDefinitions"])
        env = {e["name"]: e["value"] for e in container["environment"]}
        urls = json.loads(env.get("[[ cookiecutter.env_prefix ]]USES_QUEUE_URLS", "{}"))
        assert urls == {name: outputs["queueUrl"] for name, outputs in used.items()}
    for policy in result.of_type("aws:iam/rolePolicy:RolePolicy"):
        if not policy.name.endswith("-task-policy"):
            continue
        statements = json.loads(policy.inputs["policy"])["Statement"]
        granted = [s for s in statements if s.get("Sid") == "SendToUsedModules"]
        if used:
            assert granted == [{"Sid": "SendToUsedModules", "Effect": "Allow", "Action": "sqs:SendMessage",
                                "Resource": sorted(outputs["queueArn"] for outputs in used.values())}]
        else:
            assert granted == []
        others = [s for s in statements if s.get("Sid") != "SendToUsedModules"]
        for outputs in used.values():
            assert outputs["queueArn"] not in json.dumps(others)


def test_it_has_a_database_exactly_when_module_toml_declares_one(deployed):
    _, result = deployed
    instances = result.of_type("aws:rds/instance:Instance")
    assert len(instances) == (1 if program.SERVICE.has_database else 0)
    # The deploy runs the migrations of a module with a database from this export.
    assert ("migrationTask" in result.outputs) is program.SERVICE.has_database
