"""The reports stacks (test, prod, preview-<pr>) under mocks, with their committed settings."""

import json
import runpy

import pytest

from reports.infrastructure.tests.conftest import (
    CLOUD_FOUNDATION,
    FOUNDATION,
    PROJECT_DIR,
    containers,
    environment_of,
    run_stack,
)
from stack.infra.conventions import (
    AWS_ACCOUNT_ID,
    AWS_REGION,
    FOUNDATION_PROJECT,
    FOUNDATION_STACK,
    PROJECT_SLUG,
)
from stack.infra.policy import PolicyContext, enforce
from stack.infra.service_stack import results_bucket_name
from stack.infra.testing import IMAGE_DIGESTS, load_stack_config, pulumi_project_problems


def test_pulumi_project_files():
    assert pulumi_project_problems(PROJECT_DIR) == []
    for stack in ("test", "prod"):
        project, config = load_stack_config(PROJECT_DIR, stack)
        assert project == f"{PROJECT_SLUG}-reports"
        # Fully qualified: the foundation is another project, possibly another org's view.
        assert config["foundationStack"] == CLOUD_FOUNDATION
        assert config["aws:allowedAccountIds"] == [AWS_ACCOUNT_ID]


def test_every_stack_passes_the_policy(deployed):
    stack, result = deployed
    enforce(
        result.resources,
        PolicyContext(environment=environment_of(stack), require_permissions_boundary=True),
    )


def test_reads_the_foundation_through_a_fully_qualified_reference(deployed):
    _, result = deployed
    [reference] = result.of_type("pulumi:pulumi:StackReference")
    assert reference.name == CLOUD_FOUNDATION


def test_preview_stack_without_settings_finds_the_foundation_from_its_organization():
    # A self-managed (S3) backend's organization is the literal "organization".
    result = run_stack("preview-7", organization="organization")
    [reference] = result.of_type("pulumi:pulumi:StackReference")
    assert reference.name == f"organization/{FOUNDATION_PROJECT}/{FOUNDATION_STACK}"


def test_containers_get_what_the_app_reads(deployed):
    stack, result = deployed
    found = containers(result)
    prefix = f"{PROJECT_SLUG}-{stack}-reports"
    queue_url = f"https://sqs.{AWS_REGION}.amazonaws.com/{AWS_ACCOUNT_ID}/{prefix}-jobs"
    bucket = results_bucket_name(prefix, AWS_ACCOUNT_ID)
    for component in ("api", "worker"):
        env = {e["name"]: e["value"] for e in found[component]["environment"]}
        assert env["REPORTS_QUEUE_URL"] == queue_url
        assert env["REPORTS_BUCKET_NAME"] == bucket
        assert env["AWS_REGION"] == AWS_REGION
        # By digest, from this environment's repository: never a tag that could move.
        repository = FOUNDATION["ecrRepositoryUrls"][environment_of(stack)]
        assert found[component]["image"] == f"{repository}@{IMAGE_DIGESTS[component]}"
    api_env = {e["name"]: e["value"] for e in found["api"]["environment"]}
    assert (api_env["HOST"], api_env["PORT"]) == ("0.0.0.0", "8000")  # noqa: S104 - inside the task
    assert found["api"]["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert result.one("aws:lb/targetGroup:TargetGroup").inputs["healthCheck"]["path"] == "/health"
    assert result.outputs["queueUrl"] == queue_url and result.outputs["bucketName"] == bucket


def test_task_roles_reach_only_this_stacks_queue_and_bucket(deployed):
    stack, result = deployed
    prefix = f"{PROJECT_SLUG}-{stack}-reports"
    for policy in result.of_type("aws:iam/rolePolicy:RolePolicy"):
        if not policy.name.endswith("-task-policy"):
            continue
        resources = {r for s in json.loads(policy.inputs["policy"])["Statement"] for r in [s["Resource"]]}
        assert resources <= {
            f"arn:aws:sqs:{AWS_REGION}:{AWS_ACCOUNT_ID}:{prefix}-jobs",
            f"arn:aws:s3:::{results_bucket_name(prefix, AWS_ACCOUNT_ID)}",
            f"arn:aws:s3:::{results_bucket_name(prefix, AWS_ACCOUNT_ID)}/*",
        }, policy.name
    for role in result.of_type("aws:iam/role:Role"):
        assert role.inputs["name"].startswith(f"{prefix}-")
        assert role.inputs["permissionsBoundary"] == FOUNDATION["permissionsBoundaryArns"][environment_of(stack)]


@pytest.mark.parametrize(
    ("stack", "api_bounds", "worker_bounds"),
    [("test", (1, 2), (1, 2)), ("prod", (2, 6), (1, 4)), ("preview-42", (1, 1), (1, 1))],
)
def test_autoscaling_bounds_come_from_the_stack_settings(stack, api_bounds, worker_bounds):
    result = run_stack(stack)
    bounds = {
        t.name.removesuffix("-scaling"): (t.inputs["minCapacity"], t.inputs["maxCapacity"])
        for t in result.of_type("aws:appautoscaling/target:Target")
    }
    assert bounds == {"api": api_bounds, "worker": worker_bounds}


def test_config_overrides_capacity():
    result = run_stack("test", api={"minCapacity": 3, "maxCapacity": 9})
    target = result.one("aws:appautoscaling/target:Target", "api-scaling")
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (3, 9)


def test_prod_runs_on_demand_in_private_subnets_and_non_prod_on_spot():
    for service in run_stack("prod").of_type("aws:ecs/service:Service"):
        assert service.inputs["launchType"] == "FARGATE" and "capacityProviderStrategies" not in service.inputs
        assert service.inputs["networkConfiguration"]["subnets"] == FOUNDATION["privateSubnetIds"]
        assert not service.inputs["networkConfiguration"].get("assignPublicIp")
    for stack in ("test", "preview-42"):
        for service in run_stack(stack).of_type("aws:ecs/service:Service"):
            assert "launchType" not in service.inputs
            assert {s["capacityProvider"] for s in service.inputs["capacityProviderStrategies"]} == {
                "FARGATE",
                "FARGATE_SPOT",
            }


def test_prod_refuses_spot_and_public_ips():
    with pytest.raises(ValueError, match="prod runs on regular Fargate"):
        run_stack("prod", useSpot=True)
    with pytest.raises(ValueError, match="prod runs on regular Fargate"):
        run_stack("prod", assignPublicIp=True)


def test_preview_buckets_can_be_destroyed_and_others_cannot():
    assert run_stack("preview-42").one("aws:s3/bucket:Bucket").inputs["forceDestroy"] is True
    assert run_stack("prod").one("aws:s3/bucket:Bucket").inputs["forceDestroy"] is False


def test_log_retention_per_environment():
    retention = {
        stack: {g.inputs["retentionInDays"] for g in run_stack(stack).of_type("aws:cloudwatch/logGroup:LogGroup")}
        for stack in ("test", "prod", "preview-42")
    }
    assert retention == {"test": {14}, "prod": {90}, "preview-42": {3}}


def test_image_tag_is_required():
    with pytest.raises(Exception, match="imageTag"):
        run_stack("test", imageTag=None)


def test_unknown_stack_names_are_refused():
    with pytest.raises(ValueError, match="'preview-<pull request number>'"):
        run_stack("staging")


def test_entry_point_pulumi_runs_builds_the_same_stack():
    result = run_stack("test", entry=lambda: runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__"))
    assert result.outputs["environment"] == "test"
    assert result.outputs["apiUrl"].startswith("http://")


def test_bucket_names_fit_s3_limits_for_long_project_names():
    short = results_bucket_name("acme-test-reports", "123456789012")
    assert short == "acme-test-reports-results-123456789012"
    long_prefix = "a-very-long-project-slug-for-services-preview-1234-reports"
    first = results_bucket_name(long_prefix, "123456789012")
    other = results_bucket_name(long_prefix.replace("1234", "1235"), "123456789012")
    assert len(first) <= 63 and first.endswith("-results-123456789012")
    assert first != other
