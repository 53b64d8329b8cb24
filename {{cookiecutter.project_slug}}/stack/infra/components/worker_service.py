"""A Fargate queue consumer, scaled on its queue's backlog per task."""

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from stack.infra.components import fargate
from stack.infra.components.alarms import alarm_widget, metric_widget, queue_alarms
from stack.infra.components.fargate import FargateTaskArgs

_TT = aws.appautoscaling


@dataclass(frozen=True)
class WorkerServiceArgs:
    task: FargateTaskArgs
    queue_name: pulumi.Input[str]
    # Visible messages per running task the service scales to keep.
    backlog_per_task: int = 20
    # The queue's dead-letter queue: alarmed on its first message.
    dead_letter_queue_name: pulumi.Input[str] | None = None


def backlog_metric(
    queue_name: pulumi.Input[str], cluster_name: pulumi.Input[str], service_name: pulumi.Input[str]
) -> Any:
    """Visible messages divided by running tasks (the metric AWS recommends for SQS
    workers). RunningTaskCount comes from Container Insights, which the foundation's
    cluster enables."""

    def metric(
        metric_id: str, namespace: str, metric_name: str, stat: str, dimensions: dict[str, pulumi.Input[str]]
    ) -> Any:
        return _TT.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgs(
            id=metric_id,
            return_data=False,
            metric_stat=_TT.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatArgs(
                stat=stat,
                metric=_TT.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricArgs(
                    namespace=namespace,
                    metric_name=metric_name,
                    dimensions=[
                        _TT.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArgs(
                            name=name, value=value
                        )
                        for name, value in dimensions.items()
                    ],
                ),
            ),
        )

    return _TT.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationArgs(
        metrics=[
            metric("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Sum", {"QueueName": queue_name}),
            metric(
                "tasks",
                "ECS/ContainerInsights",
                "RunningTaskCount",
                "Average",
                {"ClusterName": cluster_name, "ServiceName": service_name},
            ),
            _TT.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgs(
                id="backlog", label="Visible messages per running task", expression="visible / tasks", return_data=True
            ),
        ]
    )


class WorkerService(pulumi.ComponentResource):
    """Fargate tasks with no inbound network access that consume one queue.

    The task's ``stop_timeout_seconds`` must exceed the worker's own shutdown bound: on
    SIGTERM it stops receiving and finishes the job in hand (see docs/operations.md).
    """

    service_name: pulumi.Output[str]
    widgets: list[dict[str, Any]]

    def __init__(self, resource_name: str, args: WorkerServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("pantstack:aws:WorkerService", resource_name, None, opts)
        task = args.task
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(task.tags)

        log_group = fargate.create_log_group(self, resource_name, task)
        secrets = fargate.create_secrets(self, resource_name, task)
        roles = fargate.create_task_roles(self, resource_name, task, log_group, secrets)
        security_group = aws.ec2.SecurityGroup(
            f"{resource_name}-sg",
            name=f"{task.name}-tasks",
            description=f"Tasks of {task.name}: outbound only",
            vpc_id=task.vpc_id,
            tags=tags,
            opts=child,
        )
        fargate.create_task_egress(self, resource_name, task, security_group)
        task_definition = fargate.create_task_definition(
            self, resource_name, task, container_name="worker", roles=roles, log_group=log_group, secrets=secrets
        )
        service = fargate.create_service(
            self, resource_name, task, task_definition=task_definition, security_group_ids=[security_group.id]
        )
        scaling = fargate.create_scaling_target(self, resource_name, task, service)
        aws.appautoscaling.Policy(
            f"{resource_name}-backlog",
            policy_type="TargetTrackingScaling",
            service_namespace=scaling.service_namespace,
            scalable_dimension=scaling.scalable_dimension,
            resource_id=scaling.resource_id,
            target_tracking_scaling_policy_configuration=_TT.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=float(args.backlog_per_task),
                customized_metric_specification=backlog_metric(args.queue_name, task.cluster_name, service.name),
                scale_in_cooldown=300,
                scale_out_cooldown=60,
            ),
            opts=child,
        )
        self.alarms = fargate.create_ecs_alarms(self, resource_name, task, service)
        if task.alarms is not None:
            if args.dead_letter_queue_name is None:
                raise ValueError(f"{task.name}: alarms need the queue's dead_letter_queue_name")
            self.alarms += queue_alarms(
                self,
                resource_name,
                name=task.name,
                queue_name=args.queue_name,
                dead_letter_queue_name=args.dead_letter_queue_name,
                target=task.alarms,
                tags=tags,
            )
        queue_metrics: list[list[Any]] = [
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", args.queue_name],
            ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", args.queue_name, {"yAxis": "right"}],
        ]
        if args.dead_letter_queue_name is not None:
            queue_metrics.append(
                ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", args.dead_letter_queue_name]
            )
        self.widgets = [
            *([alarm_widget(f"{task.name}: alarms", self.alarms)] if self.alarms else []),
            metric_widget(f"{task.name}: queue backlog, oldest message age (s)", task.region, queue_metrics, "Maximum"),
            *fargate.ecs_widgets(task, service),
        ]
        self.service_name = service.name
        self.log_group_name = log_group.name
        self.task_role_arn = roles.task_role_arn
        self.security_group_id = security_group.id
        # For one-off tasks from the worker's image (the deploy's database migrations).
        self.task_definition_family = task_definition.family
        self.register_outputs(
            {
                "service_name": self.service_name,
                "log_group_name": self.log_group_name,
                "task_role_arn": self.task_role_arn,
            }
        )
