"""The policy rules catch each kind of violation, naming the resource and the rule."""

import json

import pulumi_aws as aws
import pytest

from stack.infra.components import JobQueue, PrivateBucket
from stack.infra.conventions import tags_for
from stack.infra.policy import PolicyContext, PolicyViolationError, enforce, evaluate
from stack.infra.testing import RecordingMocks, run_program

TAGS = tags_for("test", "test")
CONTEXT = PolicyContext(environment="test", github_subjects=("repo:acme/acme-services:",))


def run(program):
    return run_program(
        program, project="policy", stack="test", mocks=RecordingMocks(account_id="111111111111", region="eu-west-1")
    )


def rules_hit(program, context=CONTEXT):
    return {(v.rule, v.resource) for v in evaluate(run(program).resources, context)}


def test_compliant_components_pass():
    def program():
        JobQueue("jobs", name="acme-test-jobs", tags=TAGS)
        PrivateBucket("results", name="acme-test-results", tags=TAGS)
        aws.cloudwatch.LogGroup("logs", retention_in_days=7, tags=TAGS)

    enforce(run(program).resources, CONTEXT)


def test_violation_message_names_resource_and_rule():
    def program():
        aws.s3.Bucket("open", bucket="acme-test-open", tags=TAGS)

    with pytest.raises(PolicyViolationError) as caught:
        enforce(run(program).resources, CONTEXT)
    message = str(caught.value)
    assert "[s3-public-access-blocked] aws:s3/bucket:Bucket 'open': has no BucketPublicAccessBlock" in message
    assert "[s3-encrypted] aws:s3/bucket:Bucket 'open'" in message


def test_partial_public_access_block_is_caught():
    def program():
        bucket = aws.s3.Bucket("half", bucket="acme-test-half", tags=TAGS)
        aws.s3.BucketPublicAccessBlock(
            "half-block",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=False,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )

    violations = evaluate(run(program).resources, CONTEXT)
    assert any(v.rule == "s3-public-access-blocked" and "blockPublicPolicy" in v.message for v in violations)


def test_unencrypted_queue_without_dead_letter_queue_is_caught():
    def program():
        aws.sqs.Queue("plain", name="acme-test-plain", tags=TAGS)

    hits = rules_hit(program)
    assert ("sqs-encrypted", "aws:sqs/queue:Queue 'plain'") in hits
    assert ("sqs-dead-letter-queue", "aws:sqs/queue:Queue 'plain'") in hits


def test_log_group_without_retention_is_caught():
    def program():
        aws.cloudwatch.LogGroup("forever", tags=TAGS)

    assert ("log-retention", "aws:cloudwatch/logGroup:LogGroup 'forever'") in rules_hit(program)


def test_missing_or_wrong_tags_are_caught():
    def program():
        aws.cloudwatch.LogGroup("untagged", retention_in_days=7)
        aws.cloudwatch.LogGroup("elsewhere", retention_in_days=7, tags=tags_for("prod", "prod"))

    violations = evaluate(run(program).resources, CONTEXT)
    messages = {v.resource: v.message for v in violations if v.rule == "tags-required"}
    assert (
        "lacks the tags project, environment, stack, managed-by"
        in messages["aws:cloudwatch/logGroup:LogGroup 'untagged'"]
    )
    assert "environment='prod'" in messages["aws:cloudwatch/logGroup:LogGroup 'elsewhere'"]


def _service(name, **extra):
    return aws.ecs.Service(
        name,
        cluster="cluster",
        task_definition="family:1",
        network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(subnets=["subnet-a"], assign_public_ip=True),
        tags=tags_for("prod", "prod"),
        **extra,
    )


def test_public_task_ip_is_caught_in_prod_only():
    def program():
        _service("api", launch_type="FARGATE")

    prod = PolicyContext(environment="prod")
    assert ("no-public-ip-in-prod", "aws:ecs/service:Service 'api'") in rules_hit(program, prod)
    assert not any(rule == "no-public-ip-in-prod" for rule, _ in rules_hit(program, PolicyContext(environment="test")))


def test_launch_type_with_capacity_providers_is_caught():
    def program():
        _service(
            "both",
            launch_type="FARGATE",
            capacity_provider_strategies=[
                aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE_SPOT", weight=1)
            ],
        )

    assert ("ecs-capacity-exclusive", "aws:ecs/service:Service 'both'") in rules_hit(
        program, PolicyContext(environment="prod")
    )


def _github_role(name, condition):
    return aws.iam.Role(
        name,
        assume_role_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {
                            "Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
                        },
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": condition,
                    }
                ],
            }
        ),
        tags=TAGS,
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/acme-services:*"}},
            "only exact matches",
        ),
        (
            {
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": "repo:acme/acme-services:*",
                }
            },
            "contains a wildcard",
        ),
        (
            {
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": "repo:other/repo:environment:prod",
                }
            },
            "is not this repository's",
        ),
        (
            {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
            "does not pin the token subject",
        ),
        (
            {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/acme-services:environment:prod"}},
            "does not pin the token audience",
        ),
    ],
)
def test_loose_github_trust_policies_are_caught(condition, expected):
    violations = evaluate(run(lambda: _github_role("ci", condition)).resources, CONTEXT)
    assert any(
        v.rule == "oidc-trust-pinned" and v.resource == "aws:iam/role:Role 'ci'" and expected in v.message
        for v in violations
    ), violations


def test_admin_policies_and_missing_boundaries_are_caught():
    def program():
        role = aws.iam.Role(
            "task", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}), tags=TAGS
        )
        aws.iam.RolePolicy(
            "admin",
            role=role.name,
            policy=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            ),
        )

    hits = rules_hit(program, PolicyContext(environment="test", require_permissions_boundary=True))
    assert ("iam-no-admin", "aws:iam/rolePolicy:RolePolicy 'admin'") in hits
    assert ("roles-have-boundary", "aws:iam/role:Role 'task'") in hits
