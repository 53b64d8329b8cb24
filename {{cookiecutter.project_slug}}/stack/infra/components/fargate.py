"""Pieces the HTTP and worker services share: log group, task definition, ECS service,
scaling target. Each function creates children of the calling component."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from stack.infra.components.task_roles import TaskPermissions, TaskRoles


@dataclass(frozen=True)
class FargateTaskArgs:
    """What every Fargate service needs. ``name`` is the physical name prefix of its
    resources (``acme-prod-reports-api``); it must fall under the environment's prefix."""

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
    stop_timeout_seconds: int = 30

    def __post_init__(self) -> None:
        if not 1 <= self.min_capacity <= self.max_capacity:
            raise ValueError(
                f"{self.name}: need 1 <= min_capacity <= max_capacity, got {self.min_capacity}..{self.max_capacity}"
            )


def create_log_group(parent: pulumi.Resource, resource_name: str, args: FargateTaskArgs) -> aws.cloudwatch.LogGroup:
    return aws.cloudwatch.LogGroup(
        f"{resource_name}-logs",
        name=f"/ecs/{args.name}",
        retention_in_days=args.log_retention_days,
        tags=dict(args.tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def create_task_roles(
    parent: pulumi.Resource, resource_name: str, args: FargateTaskArgs, log_group: aws.cloudwatch.LogGroup
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
        opts=pulumi.ResourceOptions(parent=parent),
    )


def container_definitions(
    *,
    container_name: str,
    image: str,
    environment: Mapping[str, str],
    log_group_name: str,
    region: str,
    container_port: int | None,
    stop_timeout_seconds: int,
) -> str:
    container: dict[str, Any] = {
        "name": container_name,
        "image": image,
        "essential": True,
        "environment": [{"name": key, "value": value} for key, value in sorted(environment.items())],
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
    return json.dumps([container])


def create_task_definition(
    parent: pulumi.Resource,
    resource_name: str,
    args: FargateTaskArgs,
    *,
    container_name: str,
    roles: TaskRoles,
    log_group: aws.cloudwatch.LogGroup,
    container_port: int | None = None,
) -> aws.ecs.TaskDefinition:
    definitions = pulumi.Output.all(args.image, log_group.name, pulumi.Output.all(**args.environment)).apply(
        lambda values: container_definitions(
            container_name=container_name,
            image=values[0],
            environment=values[2],
            log_group_name=values[1],
            region=args.region,
            container_port=container_port,
            stop_timeout_seconds=args.stop_timeout_seconds,
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
        opts=pulumi.ResourceOptions(parent=parent),
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
    depends_on: Sequence[pulumi.Resource] = (),
) -> aws.ecs.Service:
    extra: dict[str, Any] = capacity_settings(args.use_spot)
    if load_balancers:
        extra["load_balancers"] = list(load_balancers)
        extra["health_check_grace_period_seconds"] = 30
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
