"""Each component declares the AWS resources and properties it promises."""

import json

import pulumi_aws as aws
import pytest

from stack.infra.components import (
    AlarmTarget,
    FargateTaskArgs,
    HttpService,
    HttpServiceArgs,
    JobQueue,
    PrivateBucket,
    WorkerService,
    WorkerServiceArgs,
)
from stack.infra.components.task_roles import TaskPermissions
from stack.infra.conventions import tags_for
from stack.infra.policy import PolicyContext, enforce
from stack.infra.testing import RecordingMocks, run_program

ACCOUNT, REGION = "111111111111", "eu-west-1"
TAGS = tags_for("test", "test")
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:acme-test-jobs"
BUCKET_ARN = "arn:aws:s3:::acme-test-results"
LOG_BUCKET = "acme-test-api-logs"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:acme-test-alarms"


def run(program):
    result = run_program(
        program, project="components", stack="test", mocks=RecordingMocks(account_id=ACCOUNT, region=REGION)
    )
    enforce(result.resources, PolicyContext(environment="test", require_permissions_boundary=True))
    return result


def task_args(name="acme-test-api", **overrides):
    values = dict(
        name=name,
        account_id=ACCOUNT,
        region=REGION,
        cluster_arn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/acme",
        cluster_name="acme",
        vpc_id="vpc-1",
        subnet_ids=["subnet-private-a"],
        image="repo:tag",
        repository_arn=f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/acme",
        permissions_boundary_arn=f"arn:aws:iam::{ACCOUNT}:policy/boundary",
        permissions=TaskPermissions(
            queue_arn=QUEUE_ARN,
            queue_actions=("sqs:SendMessage",),
            bucket_arn=BUCKET_ARN,
            bucket_actions=("s3:GetObject",),
        ),
        tags=TAGS,
        environment={"GREETING": "hello"},
        min_capacity=2,
        max_capacity=5,
        alarms=AlarmTarget(topic_arn=TOPIC_ARN),
    )
    values.update(overrides)
    return FargateTaskArgs(**values)


def http_program(**overrides):
    return lambda: HttpService(
        "api",
        HttpServiceArgs(
            task=task_args(**overrides),
            public_subnet_ids=["subnet-public-a"],
            access_log_bucket=LOG_BUCKET,
        ),
    )


def test_queue_has_encrypted_dead_letter_queue_that_accepts_only_its_source():
    result = run(lambda: JobQueue("jobs", name="acme-test-jobs", tags=TAGS, max_receive_count=4))
    queue = result.one("aws:sqs/queue:Queue", "jobs")
    dead_letter = result.one("aws:sqs/queue:Queue", "jobs-dlq")
    assert json.loads(queue.inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:acme-test-jobs-dlq",
        "maxReceiveCount": 4,
    }
    assert queue.inputs["sqsManagedSseEnabled"] is True and dead_letter.inputs["sqsManagedSseEnabled"] is True
    allow = json.loads(result.one("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy").inputs["redriveAllowPolicy"])
    assert allow == {"redrivePermission": "byQueue", "sourceQueueArns": [QUEUE_ARN]}


@pytest.mark.parametrize("force_destroy", [False, True])
def test_bucket_is_private_encrypted_and_versioned(force_destroy):
    result = run(lambda: PrivateBucket("results", name="acme-test-results", tags=TAGS, force_destroy=force_destroy))
    assert result.one("aws:s3/bucket:Bucket").inputs["forceDestroy"] is force_destroy
    versioning = result.one("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    ownership = result.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership.inputs["rule"]["objectOwnership"] == "BucketOwnerEnforced"
    policy = json.loads(result.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_bucket_name_too_long_is_refused():
    with pytest.raises(ValueError, match="S3 allows 63"):
        run(lambda: PrivateBucket("results", name="x" * 64, tags=TAGS))


def test_http_service_only_the_load_balancer_reaches_tasks():
    result = run(http_program())
    alb_sg = result.one("aws:ec2/securityGroup:SecurityGroup", "api-alb-sg")
    task_sg = result.one("aws:ec2/securityGroup:SecurityGroup", "api-task-sg")
    task_ingress = [
        r
        for r in result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == task_sg.id
    ]
    assert [
        (r.inputs.get("referencedSecurityGroupId"), r.inputs.get("cidrIpv4"), r.inputs["fromPort"])
        for r in task_ingress
    ] == [(alb_sg.id, None, 8000)]
    service = result.one("aws:ecs/service:Service")
    assert service.inputs["networkConfiguration"]["securityGroups"] == [task_sg.id]
    assert service.inputs["networkConfiguration"]["subnets"] == ["subnet-private-a"]
    assert not service.inputs["networkConfiguration"].get("assignPublicIp")


def test_http_service_health_check_listener_and_task():
    result = run(http_program())
    target_group = result.one("aws:lb/targetGroup:TargetGroup")
    assert target_group.inputs["targetType"] == "ip"
    assert target_group.inputs["healthCheck"]["path"] == "/health"
    assert target_group.inputs["healthCheck"]["matcher"] == "200"
    listener = result.one("aws:lb/listener:Listener")
    assert listener.inputs["port"] == 80
    assert listener.inputs["defaultActions"][0]["targetGroupArn"].endswith("api-tg")
    task = result.one("aws:ecs/taskDefinition:TaskDefinition")
    assert task.inputs["requiresCompatibilities"] == ["FARGATE"] and task.inputs["networkMode"] == "awsvpc"
    [container] = json.loads(task.inputs["containerDefinitions"])
    assert container["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert container["environment"] == [{"name": "GREETING", "value": "hello"}]
    assert container["logConfiguration"]["options"]["awslogs-group"] == "/ecs/acme-test-api"
    assert result.one("aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 30


def test_http_service_scales_on_cpu_within_bounds_and_deploys_keep_the_count():
    result = run(http_program(min_capacity=2, max_capacity=5))
    target = result.one("aws:appautoscaling/target:Target")
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (2, 5)
    assert target.inputs["resourceId"] == "service/acme/acme-test-api"
    policy = result.one("aws:appautoscaling/policy:Policy")
    tracking = policy.inputs["targetTrackingScalingPolicyConfiguration"]
    assert tracking["predefinedMetricSpecification"]["predefinedMetricType"] == "ECSServiceAverageCPUUtilization"
    service = result.one("aws:ecs/service:Service")
    assert service.inputs["desiredCount"] == 2
    assert "desiredCount" in service.ignore_changes


def test_spot_uses_capacity_providers_instead_of_launch_type():
    on_demand = run(http_program()).one("aws:ecs/service:Service")
    spot = run(http_program(use_spot=True)).one("aws:ecs/service:Service")
    assert on_demand.inputs["launchType"] == "FARGATE" and "capacityProviderStrategies" not in on_demand.inputs
    assert "launchType" not in spot.inputs
    assert [s["capacityProvider"] for s in spot.inputs["capacityProviderStrategies"]] == ["FARGATE", "FARGATE_SPOT"]


def test_https_listener_when_a_certificate_is_given():
    result = run(
        lambda: HttpService(
            "api",
            HttpServiceArgs(
                task=task_args(),
                public_subnet_ids=["subnet-public-a"],
                access_log_bucket=LOG_BUCKET,
                certificate_arn="arn:cert",
            ),
        )
    )
    listeners = {r.inputs["port"]: r.inputs for r in result.of_type("aws:lb/listener:Listener")}
    assert listeners[443]["protocol"] == "HTTPS" and listeners[443]["certificateArn"] == "arn:cert"
    assert listeners[80]["defaultActions"][0]["type"] == "redirect"


def test_roles_are_separate_and_the_task_role_gets_only_its_queue_and_bucket():
    result = run(http_program())
    roles = {r.inputs["name"]: r for r in result.of_type("aws:iam/role:Role")}
    assert set(roles) == {"acme-test-api-exec", "acme-test-api-task"}
    policies = {r.name: json.loads(r.inputs["policy"]) for r in result.of_type("aws:iam/rolePolicy:RolePolicy")}
    task_resources = {json.dumps(s["Resource"]) for s in policies["api-roles-task-policy"]["Statement"]}
    assert task_resources == {json.dumps(QUEUE_ARN), json.dumps(f"{BUCKET_ARN}/*"), json.dumps(BUCKET_ARN)}
    exec_actions = {
        a for s in policies["api-roles-exec-policy"]["Statement"] for a in [s["Action"]] if isinstance(a, str)
    }
    assert "ecr:GetAuthorizationToken" in exec_actions
    assert not any(
        "sqs" in json.dumps(s) or "s3:" in json.dumps(s) for s in policies["api-roles-exec-policy"]["Statement"]
    )
    for role in roles.values():
        trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
        assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
        assert role.inputs["permissionsBoundary"].endswith(":policy/boundary")


def test_worker_scales_on_backlog_per_task_and_accepts_no_traffic():
    result = run(
        lambda: WorkerService(
            "worker",
            WorkerServiceArgs(
                task=task_args("acme-test-worker"),
                queue_name="acme-test-jobs",
                dead_letter_queue_name="acme-test-jobs-dlq",
            ),
        )
    )
    assert not result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert not result.of_type("aws:lb/loadBalancer:LoadBalancer")
    tracking = result.one("aws:appautoscaling/policy:Policy").inputs["targetTrackingScalingPolicyConfiguration"]
    metrics = {m["id"]: m for m in tracking["customizedMetricSpecification"]["metrics"]}
    assert metrics["backlog"]["expression"] == "visible / tasks" and metrics["backlog"]["returnData"] is True
    assert metrics["visible"]["metricStat"]["metric"]["dimensions"] == [
        {"name": "QueueName", "value": "acme-test-jobs"}
    ]
    [container] = json.loads(result.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])
    assert "portMappings" not in container


def test_children_are_parented_and_components_register_outputs():
    result = run(http_program())
    component = result.one("pantstack:aws:HttpService", "api")
    assert component.registered_outputs
    custom = [r for r in result.resources if r.custom]
    roles_component = result.one("pantstack:aws:TaskRoles")
    assert all(r.parent_urn in (component.urn, roles_component.urn) for r in custom)
    assert roles_component.parent_urn == component.urn and roles_component.registered_outputs


def test_invalid_capacity_is_refused():
    with pytest.raises(ValueError, match="min_capacity <= max_capacity"):
        task_args(min_capacity=3, max_capacity=2)


def test_misspelled_argument_fails_the_run():
    with pytest.raises(TypeError, match="retention_in_dayz"):
        run(lambda: aws.cloudwatch.LogGroup("logs", retention_in_dayz=7, tags=TAGS))
