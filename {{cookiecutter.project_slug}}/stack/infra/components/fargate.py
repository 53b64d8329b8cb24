"""Pieces the HTTP and worker services share: log group, secrets, task definition, ECS
service (rolling updates with a circuit breaker), scaling target, CPU and memory alarms.
Each function creates children of the calling component."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from stack.infra.components.alarms import AlarmTarget, ecs_alarms, metric_widget
from stack.infra.components.secrets import ServiceSecrets
from stack.infra.components.task_roles import TaskPermissions, TaskRoles

# AWS Distro for OpenTelemetry collector: receives OTLP on localhost:4317/4318 and sends
# traces to X-Ray (the image's built-in ecs-xray.yaml pipeline). Pinned: bump on purpose.
TRACING_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.41.1"
TRACING_CONTAINER = "otel-collector"
# Fargate allows at most 120 s between SIGTERM and SIGKILL.
MAX_STOP_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class DatabaseAccess:
    """A database the tasks may reach: its port, on its own security group only. With
    ``password_secret_arn`` (a Secrets Manager secret holding ``{"password": ...}``, as RDS
    keeps it) the container gets the password as ``password_variable`` through the task
    definition's ``secrets``: never as a plain environment value."""

    port: int
    security_group_id: pulumi.Input[str]
    password_secret_arn: pulumi.Input[str] | None = None
    password_variable: str = ""


@dataclass(frozen=True)
class FargateTaskArgs:
    """What every Fargate service needs. ``name`` is the physical name prefix of its
    resources (``acme-prod-reports-api``); it must fall under the environment's prefix.

    ``secrets`` are environment variable names whose values live in SSM Parameter Store
    (``/<name>/<SECRET>``, encrypted with ``secrets_key_arn``) and reach the container
    through the task definition's ``secrets``. ``alarms`` routes the service's alarms;
    without it the stack fails the "alarms-per-signal" policy. ``tracing`` adds an ADOT
    collector sidecar and points the app's OpenTelemetry SDK at it.
    """

    name: str
    account_id: str
    region: str
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    image: pulumi.Input[str]
    repository_arn: pulumi.Input[str]
    permissions_boundary_arn: pulumi.Input[str]
    permissions: TaskPermissions
    tags: Mapping[str, str]
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    cpu: int = 256
    memory: int = 512
    min_capacity: int = 1
    max_capacity: int = 2
    log_retention_days: int = 30
    assign_public_ip: bool = False
    # Fargate Spot for all but one task (non-prod): cheaper, may be interrupted.
    use_spot: bool = False
    # Time between SIGTERM and SIGKILL; set it above the app's own shutdown bound.
    stop_timeout_seconds: int = 30
    secrets: Sequence[str] = ()
    # Those of ``secrets`` whose first value is random (ServiceSecrets' ``generated``).
    generated_secrets: Sequence[str] = ()
    secrets_key_arn: pulumi.Input[str] | None = None
    alarms: AlarmTarget | None = None
    tracing: bool = False
    # Beside 443 (AWS APIs, through NAT or VPC endpoints), the only egress tasks get.
    database: DatabaseAccess | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.min_capacity <= self.max_capacity:
            raise ValueError(
                f"{self.name}: need 1 <= min_capacity <= max_capacity, got {self.min_capacity}..{self.max_capacity}"
            )
        if not 2 <= self.stop_timeout_seconds <= MAX_STOP_TIMEOUT_SECONDS:
            raise ValueError(
                f"{self.name}: stop_timeout_seconds must be 2..{MAX_STOP_TIMEOUT_SECONDS} (Fargate's limit), "
                f"got {self.stop_timeout_seconds}"
            )
        if self.secrets and self.secrets_key_arn is None:
            raise ValueError(f"{self.name}: secrets need the environment's KMS key (secrets_key_arn)")
        clash = set(self.secrets) & set(self.environment)
        if clash:
            raise ValueError(f"{self.name}: {sorted(clash)} are both secrets and plain environment values")


def create_task_egress(
    parent: pulumi.Resource, resource_name: str, args: FargateTaskArgs, security_group: aws.ec2.SecurityGroup
) -> None:
    """Tasks send HTTPS only (ECR, SQS, S3, CloudWatch Logs, SSM, KMS, X-Ray all listen on
    443), plus the database port to the database's security group. DNS and the task
    metadata and credentials endpoints are not filtered by security groups."""
    child = pulumi.ResourceOptions(parent=parent)
    tags = dict(args.tags)
    aws.vpc.SecurityGroupEgressRule(
        f"{resource_name}-https-out",
        security_group_id=security_group.id,
        cidr_ipv4="0.0.0.0/0",
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        description="AWS APIs (ECR, SQS, S3, Logs, SSM, KMS) and HTTPS services",
        tags=tags,
        opts=child,
    )
    if args.database is not None:
        aws.vpc.SecurityGroupEgressRule(
            f"{resource_name}-database-out",
            security_group_id=security_group.id,
            referenced_security_group_id=args.database.security_group_id,
            ip_protocol="tcp",
            from_port=args.database.port,
            to_port=args.database.port,
            description="The service's database",
            tags=tags,
            opts=child,
        )


def create_log_group(parent: pulumi.Resource, resource_name: str, args: FargateTaskArgs) -> aws.cloudwatch.LogGroup:
    return aws.cloudwatch.LogGroup(
        f"{resource_name}-logs",
        name=f"/ecs/{args.name}",
        retention_in_days=args.log_retention_days,
        tags=dict(args.tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def create_secrets(parent: pulumi.Resource, resource_name: str, args: FargateTaskArgs) -> ServiceSecrets | None:
    if not args.secrets:
        return None
    assert args.secrets_key_arn is not None  # checked in FargateTaskArgs
    return ServiceSecrets(
        f"{resource_name}-secrets",
        service_name=args.name,
        secrets=list(args.secrets),
        key_arn=args.secrets_key_arn,
        region=args.region,
        account_id=args.account_id,
        tags=args.tags,
        generated=list(args.generated_secrets),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def create_task_roles(
    parent: pulumi.Resource,
    resource_name: str,
    args: FargateTaskArgs,
    log_group: aws.cloudwatch.LogGroup,
    secrets: ServiceSecrets | None = None,
) -> TaskRoles:
    return TaskRoles(
        f"{resource_name}-roles",
        name=args.name,
        account_id=args.account_id,
        repository_arn=args.repository_arn,
        log_group_arn=log_group.arn,
        permissions_boundary_arn=args.permissions_boundary_arn,
        permissions=args.permissions,
        tags=args.tags,
        region=args.region,
        secret_arns=sorted(secrets.arns.values()) if secrets else (),
        secrets_key_arn=args.secrets_key_arn if secrets else None,
        database_secret_arn=args.database.password_secret_arn if args.database else None,
        tracing=args.tracing,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def tracing_environment(service_name: str) -> dict[str, str]:
    """What the OpenTelemetry SDK reads to export to the sidecar (stack.libs.tracing turns
    the app's tracing on when the endpoint is set)."""
    return {
        "OTEL_SERVICE_NAME": service_name,
        # OTLP over HTTP: the exporter needs no gRPC runtime in every service image.
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        # X-Ray trace ids and context, so traces join the ALB's X-Amzn-Trace-Id.
        "OTEL_PROPAGATORS": "xray,tracecontext",
        "OTEL_PYTHON_ID_GENERATOR": "xray",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.1",
    }


def collector_container(log_group_name: str, region: str) -> dict[str, Any]:
    return {
        "name": TRACING_CONTAINER,
        "image": TRACING_COLLECTOR_IMAGE,
        # Tracing must never take the service down with it.
        "essential": False,
        "command": ["--config=/etc/ecs/ecs-xray.yaml"],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name,
                "awslogs-region": region,
                "awslogs-stream-prefix": TRACING_CONTAINER,
            },
        },
        # Stays up after the app's SIGTERM long enough to flush the last spans.
        "stopTimeout": 10,
    }


def container_definitions(
    *,
    container_name: str,
    image: str,
    environment: Mapping[str, str],
    log_group_name: str,
    region: str,
    container_port: int | None,
    stop_timeout_seconds: int,
    secrets: Mapping[str, str] | None = None,
    tracing_service_name: str | None = None,
) -> str:
    """The task's containers as ECS JSON. ``secrets`` maps environment variable names to SSM
    parameter ARNs: ECS reads them at task start, so values never appear in the definition."""
    values = dict(environment)
    if tracing_service_name:
        values.update(tracing_environment(tracing_service_name))
    container: dict[str, Any] = {
        "name": container_name,
        "image": image,
        "essential": True,
        "environment": [{"name": key, "value": value} for key, value in sorted(values.items())],
        "secrets": [{"name": key, "valueFrom": arn} for key, arn in sorted((secrets or {}).items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name,
                "awslogs-region": region,
                "awslogs-stream-prefix": container_name,
            },
        },
        # Time between SIGTERM and SIGKILL: the worker finishes its batch in hand.
        "stopTimeout": stop_timeout_seconds,
    }
    if container_port is not None:
        container["portMappings"] = [{"containerPort": container_port, "protocol": "tcp"}]
    if not tracing_service_name:
        return json.dumps([container])
    container["dependsOn"] = [{"containerName": TRACING_CONTAINER, "condition": "START"}]
    return json.dumps([container, collector_container(log_group_name, region)])


def create_task_definition(
    parent: pulumi.Resource,
    resource_name: str,
    args: FargateTaskArgs,
    *,
    container_name: str,
    roles: TaskRoles,
    log_group: aws.cloudwatch.LogGroup,
    container_port: int | None = None,
    secrets: ServiceSecrets | None = None,
) -> aws.ecs.TaskDefinition:
    database = args.database
    password_arn = database.password_secret_arn if database and database.password_secret_arn else ""

    def task_secrets(password_secret_arn: str) -> dict[str, str]:
        found = dict(secrets.arns) if secrets else {}
        if password_secret_arn and database:
            # ECS reads the "password" key of the JSON secret at task start.
            found[database.password_variable] = f"{password_secret_arn}:password::"
        return found

    definitions = pulumi.Output.all(
        args.image, log_group.name, pulumi.Output.all(**args.environment), password_arn
    ).apply(
        lambda values: container_definitions(
            container_name=container_name,
            image=values[0],
            environment=values[2],
            log_group_name=values[1],
            region=args.region,
            container_port=container_port,
            stop_timeout_seconds=args.stop_timeout_seconds,
            secrets=task_secrets(values[3]) or None,
            tracing_service_name=args.name if args.tracing else None,
        )
    )
    return aws.ecs.TaskDefinition(
        f"{resource_name}-task",
        family=args.name,
        cpu=str(args.cpu),
        memory=str(args.memory),
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
            operating_system_family="LINUX", cpu_architecture="X86_64"
        ),
        execution_role_arn=roles.execution_role_arn,
        task_role_arn=roles.task_role_arn,
        container_definitions=definitions,
        tags=dict(args.tags),
        # A task must not start before the parameters it reads exist.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(secrets.parameters) if secrets else []),
    )


def capacity_settings(use_spot: bool) -> dict[str, Any]:
    """Either a launch type or a capacity provider strategy: ECS rejects both at once."""
    if not use_spot:
        return {"launch_type": "FARGATE"}
    return {
        "capacity_provider_strategies": [
            # The first task always runs on regular Fargate; the rest prefer Spot 3:1.
            aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", base=1, weight=1),
            aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE_SPOT", weight=3),
        ]
    }


def create_service(
    parent: pulumi.Resource,
    resource_name: str,
    args: FargateTaskArgs,
    *,
    task_definition: aws.ecs.TaskDefinition,
    security_group_ids: Sequence[pulumi.Input[str]],
    load_balancers: Sequence[aws.ecs.ServiceLoadBalancerArgs] = (),
    health_check_grace_period_seconds: int = 60,
    depends_on: Sequence[pulumi.Resource] = (),
) -> aws.ecs.Service:
    """Rolling updates that never drop below the running count: ECS starts the new tasks
    (up to 200%), waits for them to be healthy, then stops the old ones. A deployment whose
    tasks keep failing to start or to pass health checks trips the circuit breaker and ECS
    rolls back to the last deployment that reached a steady state."""
    extra: dict[str, Any] = capacity_settings(args.use_spot)
    if load_balancers:
        extra["load_balancers"] = list(load_balancers)
        # Load balancer health checks failing while the app boots do not count against a task.
        extra["health_check_grace_period_seconds"] = health_check_grace_period_seconds
    return aws.ecs.Service(
        f"{resource_name}-service",
        name=args.name,
        cluster=args.cluster_arn,
        task_definition=task_definition.arn,
        desired_count=args.min_capacity,
        network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=args.subnet_ids,
            security_groups=list(security_group_ids),
            assign_public_ip=args.assign_public_ip,
        ),
        deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
        deployment_minimum_healthy_percent=100,
        deployment_maximum_percent=200,
        propagate_tags="SERVICE",
        enable_ecs_managed_tags=True,
        tags=dict(args.tags),
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=list(depends_on),
            # Autoscaling owns the task count after creation; a deploy must not reset it.
            ignore_changes=["desired_count"],
        ),
        **extra,
    )


def create_scaling_target(
    parent: pulumi.Resource, resource_name: str, args: FargateTaskArgs, service: aws.ecs.Service
) -> aws.appautoscaling.Target:
    return aws.appautoscaling.Target(
        f"{resource_name}-scaling",
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.all(args.cluster_name, service.name).apply(
            lambda names: f"service/{names[0]}/{names[1]}"
        ),
        min_capacity=args.min_capacity,
        max_capacity=args.max_capacity,
        tags=dict(args.tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def create_ecs_alarms(
    parent: pulumi.Resource, resource_name: str, args: FargateTaskArgs, service: aws.ecs.Service
) -> list[aws.cloudwatch.MetricAlarm]:
    if args.alarms is None:
        return []
    return ecs_alarms(
        parent,
        resource_name,
        name=args.name,
        cluster_name=args.cluster_name,
        service_name=service.name,
        target=args.alarms,
        tags=args.tags,
    )


def ecs_widgets(args: FargateTaskArgs, service: aws.ecs.Service) -> list[dict[str, Any]]:
    return [
        metric_widget(
            f"{args.name}: CPU and memory (% of reservation)",
            args.region,
            [
                ["AWS/ECS", metric, "ClusterName", args.cluster_name, "ServiceName", service.name]
                for metric in ("CPUUtilization", "MemoryUtilization")
            ],
        ),
        metric_widget(
            f"{args.name}: running tasks",
            args.region,
            [
                [
                    "ECS/ContainerInsights",
                    "RunningTaskCount",
                    "ClusterName",
                    args.cluster_name,
                    "ServiceName",
                    service.name,
                ]
            ],
        ),
    ]
