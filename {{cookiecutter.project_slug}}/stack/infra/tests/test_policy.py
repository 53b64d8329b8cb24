"""The policy rules catch each kind of violation, naming the resource and the rule."""

import json

import pulumi_aws as aws
import pytest

from stack.infra.components import (
    HttpService,
    HttpServiceArgs,
    JobQueue,
    PrivateBucket,
    WorkerService,
    WorkerServiceArgs,
)
from stack.infra.conventions import tags_for
from stack.infra.policy import PolicyContext, PolicyViolationError, enforce, evaluate
from stack.infra.testing import RecordingMocks, run_program
from stack.infra.tests.test_components import LOG_BUCKET, task_args

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
            "contains a wildcard",
        ),
        (
            {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {
                    "token.actions.githubusercontent.com:sub": "repo:acme/acme-services:environment:preview"
                    ":job_workflow_ref:acme/acme-services/.github/workflows/*@*"
                },
            },
            "contains a wildcard",
        ),
        (
            {"ForAnyValue:StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/acme-services:*"}},
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


def test_only_the_ref_of_a_trusted_workflow_may_be_matched_by_a_wildcard():
    # Pull request jobs run at refs/pull/<n>/merge: the ref is the one open part.
    condition = {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {
            "token.actions.githubusercontent.com:sub": "repo:acme/acme-services:environment:preview"
            ":job_workflow_ref:acme/acme-services/.github/workflows/preview.yml@*"
        },
    }
    violations = evaluate(run(lambda: _github_role("ci", condition)).resources, CONTEXT)
    assert not [v for v in violations if v.rule == "oidc-trust-pinned"], violations


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


# Production rules: rollouts, secrets, alarms, flow logs.


def _task_definition(name, containers, execution_role_arn=None):
    return aws.ecs.TaskDefinition(
        name,
        family=f"acme-test-{name}",
        container_definitions=json.dumps(containers),
        execution_role_arn=execution_role_arn,
        tags=TAGS,
    )


def test_service_without_circuit_breaker_or_with_capacity_dropping_deploys_is_caught():
    def program():
        _service("bare", launch_type="FARGATE")
        _service(
            "halfway",
            launch_type="FARGATE",
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=False),
            deployment_minimum_healthy_percent=50,
            deployment_maximum_percent=100,
        )

    violations = [v for v in evaluate(run(program).resources, CONTEXT) if v.rule == "ecs-safe-rollouts"]
    messages = {(v.resource, v.message.split(" is ")[0].split(":")[0]) for v in violations}
    assert ("aws:ecs/service:Service 'bare'", "has no deployment circuit breaker with rollback") in messages
    assert ("aws:ecs/service:Service 'halfway'", "has no deployment circuit breaker with rollback") in messages
    assert ("aws:ecs/service:Service 'halfway'", "deploymentMinimumHealthyPercent") in messages
    assert ("aws:ecs/service:Service 'halfway'", "deploymentMaximumPercent") in messages


def test_missing_stop_timeout_and_default_draining_are_caught():
    def program():
        _task_definition("app", [{"name": "app", "image": "x", "essential": True}])
        aws.lb.TargetGroup("slow", port=80, protocol="HTTP", target_type="ip", vpc_id="vpc-1", tags=TAGS)

    hits = rules_hit(program)
    assert ("graceful-shutdown", "aws:ecs/taskDefinition:TaskDefinition 'app'") in hits
    assert ("graceful-shutdown", "aws:lb/targetGroup:TargetGroup 'slow'") in hits


def test_secrets_outside_the_tasks_secrets_are_caught():
    def program():
        aws.ssm.Parameter("plain", name="/acme-test-app/API_KEY", type="String", value="x", tags=TAGS)
        _task_definition(
            "app",
            [
                {
                    "name": "app",
                    "image": "x",
                    "stopTimeout": 10,
                    "environment": [
                        {"name": "DB_PASSWORD", "value": "hunter2"},
                        {"name": "LOG_LEVEL", "value": "INFO"},
                    ],
                    "secrets": [
                        {"name": "API_KEY", "valueFrom": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:k"},
                        {"name": "OTHER", "valueFrom": "arn:aws:ssm:eu-west-1:111111111111:parameter/elsewhere/OTHER"},
                    ],
                }
            ],
        )

    violations = [v for v in evaluate(run(program).resources, CONTEXT) if v.rule == "secrets-via-parameters"]
    text = "\n".join(map(str, violations))
    assert "'DB_PASSWORD' as a plain environment value" in text and "LOG_LEVEL" not in text
    assert "secret 'API_KEY' is not an SSM parameter ARN" in text
    assert "secret 'OTHER' reads" in text and "not a parameter of this stack" in text
    assert "is a String, not a SecureString" in text
    assert "not encrypted with the environment's KMS key" in text


def test_execution_role_reading_more_than_its_parameters_is_caught():
    arn = "arn:aws:ssm:eu-west-1:111111111111:parameter/acme-test-app/API_KEY"

    def program():
        aws.ssm.Parameter(
            "key", name="/acme-test-app/API_KEY", type="SecureString", key_id="arn:key", value="x", tags=TAGS
        )
        role = aws.iam.Role(
            "exec", name="acme-test-app-exec", assume_role_policy=json.dumps({"Statement": []}), tags=TAGS
        )
        aws.iam.RolePolicy(
            "exec-policy",
            role=role.name,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": [arn, "*"]},
                        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"},
                    ],
                }
            ),
        )
        _task_definition(
            "app",
            [{"name": "app", "image": "x", "stopTimeout": 10, "secrets": [{"name": "API_KEY", "valueFrom": arn}]}],
            execution_role_arn=role.arn,
        )

    violations = [v for v in evaluate(run(program).resources, CONTEXT) if v.rule == "secrets-scoped"]
    assert {v.resource for v in violations} == {"aws:iam/rolePolicy:RolePolicy 'exec-policy'"}
    assert any("parameters it does not use: ['*']" in v.message for v in violations)
    assert any("decrypt outside SSM or with any key" in v.message for v in violations)


def test_service_without_alarms_is_caught_per_signal():
    def program():
        queue = JobQueue("jobs", name="acme-test-jobs", tags=TAGS)
        HttpService(
            "api",
            HttpServiceArgs(
                task=task_args(alarms=None),
                public_subnet_ids=["subnet-public-a"],
                access_log_bucket=LOG_BUCKET,
            ),
        )
        WorkerService(
            "worker",
            WorkerServiceArgs(task=task_args("acme-test-worker", alarms=None), queue_name=queue.queue_name),
        )
        aws.cloudwatch.MetricAlarm(
            "silent",
            name="acme-test-silent",
            namespace="AWS/ECS",
            metric_name="CPUUtilization",
            dimensions={"ServiceName": "acme-test-api"},
            comparison_operator="GreaterThanThreshold",
            threshold=90,
            evaluation_periods=1,
            period=60,
            statistic="Average",
            tags=TAGS,
        )

    violations = [v for v in evaluate(run(program).resources, CONTEXT) if v.rule == "alarms-per-signal"]
    found = {(v.resource, v.message) for v in violations}
    assert found == {
        (
            "aws:cloudwatch/metricAlarm:MetricAlarm 'silent'",
            "notifies no one: set alarm_actions to the service's SNS topic",
        ),
        ("aws:ecs/service:Service 'api-service'", "has no CPUUtilization alarm"),
        ("aws:ecs/service:Service 'api-service'", "has no MemoryUtilization alarm"),
        ("aws:ecs/service:Service 'worker-service'", "has no CPUUtilization alarm"),
        ("aws:ecs/service:Service 'worker-service'", "has no MemoryUtilization alarm"),
        ("aws:lb/targetGroup:TargetGroup 'api-tg'", "has no 5xx rate alarm"),
        ("aws:lb/targetGroup:TargetGroup 'api-tg'", "has no p99 response time alarm"),
        ("aws:sqs/queue:Queue 'jobs'", "has no oldest-message-age alarm"),
        ("aws:sqs/queue:Queue 'jobs'", "has no alarm on messages in its dead-letter queue 'acme-test-jobs-dlq'"),
    }


def test_vpc_without_complete_flow_logs_is_caught():
    def program():
        aws.ec2.Vpc("dark", cidr_block="10.0.0.0/16", tags=TAGS)
        partial = aws.ec2.Vpc("partial", cidr_block="10.1.0.0/16", tags=TAGS)
        aws.ec2.FlowLog(
            "rejects-only",
            vpc_id=partial.id,
            traffic_type="REJECT",
            log_destination_type="s3",
            log_destination="arn:aws:s3:::acme-test-flow-logs",
            tags=TAGS,
        )

    violations = {
        (v.resource, v.message) for v in evaluate(run(program).resources, CONTEXT) if v.rule == "vpc-flow-logs"
    }
    assert violations == {
        ("aws:ec2/vpc:Vpc 'dark'", "has no flow log"),
        ("aws:ec2/vpc:Vpc 'partial'", "logs only part of its traffic: set traffic_type ALL"),
    }


def test_names_aws_would_refuse_are_caught():
    def program():
        JobQueue("jobs", name="acme-test-audit log-jobs", tags=TAGS)
        PrivateBucket("results", name="acme-test-audit_log-results", tags=TAGS)
        aws.lb.TargetGroup("tg", name="acme-test-audit-log-api-target-group", port=80, protocol="HTTP", tags=TAGS)

    violations = {(v.rule, v.resource): v.message for v in evaluate(run(program).resources, CONTEXT)}
    bucket = violations[("aws-names-valid", "aws:s3/bucket:Bucket 'results'")]
    assert "'acme-test-audit_log-results'" in bucket and "no '_'" in bucket
    assert ("aws-names-valid", "aws:sqs/queue:Queue 'jobs'") in violations
    assert ("aws-names-valid", "aws:lb/targetGroup:TargetGroup 'tg'") in violations


def test_iam_users_and_access_keys_are_caught():
    def program():
        user = aws.iam.User("deployer", name="acme-test-deployer", tags=TAGS)
        aws.iam.AccessKey("deployer-key", user=user.name)

    hits = rules_hit(program)
    assert ("no-iam-users", "aws:iam/user:User 'deployer'") in hits
    assert ("no-iam-users", "aws:iam/accessKey:AccessKey 'deployer-key'") in hits
