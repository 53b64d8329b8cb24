"""A module with a database (ServiceSpec.has_database) under mocks: the PostgreSQL it gets in
each environment, how its tasks reach it, and the policy that guards it."""

import json
from dataclasses import replace

import pytest

from stack.infra.components.alarms import AlarmTarget
from stack.infra.components.database import DatabaseSize, PostgresDatabase, PostgresDatabaseArgs
from stack.infra.conventions import (
    AWS_ACCOUNT_ID,
    AWS_REGION,
    FOUNDATION_PROJECT,
    PROJECT_SLUG,
    Environment,
    tags_for,
)
from stack.infra.policy import PolicyContext, enforce, evaluate
from stack.infra.service_database import DATABASE_SIZES, database_size
from stack.infra.service_stack import ServiceSpec, deploy
from stack.infra.testing import IMAGE_DIGESTS, RecordingMocks, foundation_outputs, run_program
from stack.module_toml import ModuleDeclaration

FOUNDATION_REFERENCE = "organization/" + FOUNDATION_PROJECT + "/shared"
FOUNDATION = foundation_outputs(AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG)
CERTIFICATE = f"arn:aws:acm:{AWS_REGION}:{AWS_ACCOUNT_ID}:certificate/0f4c7d2e"
INSTANCE = "aws:rds/instance:Instance"


def deploy_billing(stack: str, **config):
    mocks = RecordingMocks(
        account_id=AWS_ACCOUNT_ID, region=AWS_REGION, stack_outputs={FOUNDATION_REFERENCE: FOUNDATION}
    )
    settings = {"imageTag": "main-0123456789ab", "imageDigests": IMAGE_DIGESTS, **config}
    if stack == "prod":
        settings.setdefault("certificateArn", CERTIFICATE)
    return run_program(
        lambda: deploy(
            ServiceSpec(name="billing", env_prefix="BILLING_", declaration=ModuleDeclaration(database=True))
        ),
        project=f"{PROJECT_SLUG}-billing",
        stack=stack,
        config=settings,
        mocks=mocks,
    )


def environment_of(stack: str) -> str:
    return "preview" if stack.startswith("preview-") else stack


@pytest.fixture(scope="module", params=["test", "prod", "preview-7"])
def deployed(request):
    return request.param, deploy_billing(request.param)


def test_every_stack_with_a_database_passes_the_policy(deployed):
    stack, result = deployed
    enforce(result.resources, PolicyContext(environment=environment_of(stack), require_permissions_boundary=True))


def test_the_database_is_private_encrypted_backed_up_and_sized_for_its_environment(deployed):
    stack, result = deployed
    [instance] = result.of_type(INSTANCE)
    [key] = result.of_type("aws:kms/key:Key")
    [subnets] = result.of_type("aws:rds/subnetGroup:SubnetGroup")
    size = DATABASE_SIZES[environment_of(stack)]
    inputs = instance.inputs
    assert inputs["publiclyAccessible"] is False and inputs["engine"] == "postgres"
    assert subnets.inputs["subnetIds"] == FOUNDATION["privateSubnetIds"]
    assert inputs["storageEncrypted"] is True and instance.property_dependencies["kmsKeyId"] == [key.urn]
    assert inputs["performanceInsightsEnabled"] is True
    assert inputs["manageMasterUserPassword"] is True and "password" not in inputs
    assert inputs["backupRetentionPeriod"] == size.backup_retention_days
    prod = stack == "prod"
    assert (inputs["multiAz"], inputs["deletionProtection"], inputs["skipFinalSnapshot"]) == (prod, prod, not prod)
    assert inputs["instanceClass"] == ("db.t4g.medium" if prod else "db.t4g.micro")
    if prod:
        assert inputs["backupRetentionPeriod"] >= 7 and inputs["finalSnapshotIdentifier"]


def test_only_the_modules_tasks_may_connect(deployed):
    _, result = deployed
    group = result.one("aws:ec2/securityGroup:SecurityGroup", "database-sg")
    assert group.inputs["egress"] == []
    ingress = [
        r for r in result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.property_dependencies.get("securityGroupId") == [group.urn]
    ]  # fmt: skip
    task_groups = {
        result.one("aws:ec2/securityGroup:SecurityGroup", "api-task-sg").urn,
        result.one("aws:ec2/securityGroup:SecurityGroup", "worker-sg").urn,
    }
    assert {r.property_dependencies["referencedSecurityGroupId"][0] for r in ingress} == task_groups
    assert {(r.inputs["fromPort"], r.inputs["toPort"]) for r in ingress} == {(5432, 5432)}
    assert all("cidrIpv4" not in r.inputs for r in ingress)


def test_containers_get_the_password_as_a_secret_and_the_rest_as_settings(deployed):
    _, result = deployed
    [instance] = result.of_type(INSTANCE)
    secret_arn = instance.state["masterUserSecrets"][0]["secretArn"]
    for task in result.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        [container] = json.loads(task.inputs["containerDefinitions"])
        env = {e["name"]: e["value"] for e in container["environment"]}
        secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        assert secrets["BILLING_DATABASE_PASSWORD"] == f"{secret_arn}:password::"
        assert "BILLING_DATABASE_PASSWORD" not in env
        assert env["BILLING_DATABASE_HOST"] == instance.state["address"]
        assert (env["BILLING_DATABASE_NAME"], env["BILLING_DATABASE_SSLMODE"]) == ("billing", "require")
    # Each execution role reads that one secret.
    readers = [
        statement
        for policy in result.of_type("aws:iam/rolePolicy:RolePolicy")
        for statement in json.loads(policy.inputs["policy"])["Statement"]
        if statement.get("Sid") == "ReadDatabasePassword"
    ]
    assert len(readers) == 2 and {r["Resource"] for r in readers} == {secret_arn}


def test_database_alarms_are_routed_like_the_others(deployed):
    _, result = deployed
    alarms = {a.inputs["metricName"]: a.inputs for a in result.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
              if a.inputs.get("namespace") == "AWS/RDS"}  # fmt: skip
    assert set(alarms) == {"CPUUtilization", "FreeStorageSpace", "DatabaseConnections"}
    topic = FOUNDATION["alarmTopicArns"][environment_of(deployed[0])]
    assert all(a["alarmActions"] == [topic] and a["okActions"] == [topic] for a in alarms.values())
    assert alarms["FreeStorageSpace"]["comparisonOperator"] == "LessThanThreshold"


def test_the_deploy_learns_how_to_run_migrations(deployed):
    _, result = deployed
    task = result.outputs["migrationTask"]
    assert task["family"].endswith("-billing-worker") and task["container"] == "worker"
    assert task["cluster"] == FOUNDATION["clusterArn"] and task["subnets"]


def test_stack_settings_size_the_database_and_unknown_ones_are_refused():
    [instance] = deploy_billing("test", database={"instanceClass": "db.t4g.small", "backupRetentionDays": 10}).of_type(
        INSTANCE
    )
    assert (instance.inputs["instanceClass"], instance.inputs["backupRetentionPeriod"]) == ("db.t4g.small", 10)
    with pytest.raises(ValueError, match=r"unknown settings \['multiAz'\]"):
        database_size(Environment.from_stack("test"), {"multiAz": False})
    with pytest.raises(ValueError, match="prod keeps at least 7 days"):
        database_size(Environment.from_stack("prod"), {"backupRetentionDays": 3})


def run_database(size: DatabaseSize):
    topic = f"arn:aws:sns:{AWS_REGION}:{AWS_ACCOUNT_ID}:alarms"

    def program():
        PostgresDatabase(
            "database",
            PostgresDatabaseArgs(
                identifier="acme-prod-billing",
                vpc_id="vpc-1",
                subnet_ids=["subnet-private-a", "subnet-private-b"],
                database_name="billing",
                size=size,
                alarms=AlarmTarget(topic_arn=topic),
                tags=tags_for("prod", "prod"),
                region=AWS_REGION,
            ),
        )

    return run_program(
        program, project="components", stack="prod", mocks=RecordingMocks(account_id=AWS_ACCOUNT_ID, region=AWS_REGION)
    )


def database_messages(result, environment="prod"):
    return [
        str(v)
        for v in evaluate(result.resources, PolicyContext(environment=environment))
        if v.rule == "databases-protected"
    ]


def test_prod_without_deletion_protection_fails_the_policy():
    messages = database_messages(run_database(replace(DATABASE_SIZES["prod"], deletion_protection=False)))
    assert len(messages) == 1 and "prod database without deletion protection" in messages[0]
    # Outside prod the same database passes.
    assert database_messages(run_database(replace(DATABASE_SIZES["prod"], deletion_protection=False)), "test") == []


def test_prod_without_backups_or_a_final_snapshot_or_a_second_zone_fails_the_policy():
    size = replace(DATABASE_SIZES["prod"], backup_retention_days=0, final_snapshot=False, multi_az=False)
    messages = " | ".join(database_messages(run_database(size)))
    assert "keeps 0 days of automated backups, fewer than 7" in messages
    assert "leaves no final snapshot" in messages and "in one availability zone" in messages


def public_or_plain(resources, change):
    """The recorded stack with one property of the instance changed, as a program could."""
    return [replace(r, inputs={**r.inputs, **change}) if r.type == INSTANCE else r for r in resources]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"publiclyAccessible": True}, "is publicly accessible"),
        ({"storageEncrypted": False}, "does not encrypt its storage"),
        ({"manageMasterUserPassword": False, "password": "hunter2"}, "has a master password in the program"),
    ],
)
def test_a_public_unencrypted_or_password_in_state_database_fails_the_policy(change, message):
    result = run_database(DATABASE_SIZES["prod"])
    changed = public_or_plain(result.resources, change)
    violations = [
        str(v) for v in evaluate(changed, PolicyContext(environment="prod")) if v.rule == "databases-protected"
    ]
    assert any(message in v for v in violations), violations
