"""CloudWatch alarms and dashboard widgets for the signals every service is watched on.

Each HttpService and WorkerService creates its alarms with these helpers: CPU and memory
for every ECS service, the 5xx rate and p99 response time of an HTTP service's target
group, the oldest message's age on a worker's queue and any message in its dead-letter
queue. Every alarm notifies the service's SNS topic when it fires and when it clears.
The "alarms-per-signal" policy rule (stack/infra/policy.py) fails a stack that lacks one.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AlarmThresholds:
    """When an alarm fires: ``datapoints_to_alarm`` of the last ``evaluation_periods``
    minutes breach. The defaults suit an interactive API and a job worker."""

    http_5xx_percent: float = 5.0
    p99_response_seconds: float = 2.0
    cpu_percent: float = 85.0
    memory_percent: float = 85.0
    oldest_message_seconds: int = 600
    period_seconds: int = 60
    evaluation_periods: int = 5
    datapoints_to_alarm: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ValueError("need 1 <= datapoints_to_alarm <= evaluation_periods")


@dataclass(frozen=True)
class AlarmTarget:
    """Where a component's alarms go and how sensitive they are."""

    topic_arn: pulumi.Input[str]
    thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)


def _common(
    alarm_name: str, description: str, target: AlarmTarget, tags: Mapping[str, str], *, persistent: bool = True
) -> dict[str, Any]:
    thresholds = target.thresholds
    return {
        "name": alarm_name,
        "alarm_description": description,
        "alarm_actions": [target.topic_arn],
        "ok_actions": [target.topic_arn],
        "evaluation_periods": thresholds.evaluation_periods if persistent else 1,
        "datapoints_to_alarm": thresholds.datapoints_to_alarm if persistent else 1,
        # No traffic or no messages is not a failure.
        "treat_missing_data": "notBreaching",
        "tags": dict(tags),
    }


def metric_alarm(
    parent: pulumi.Resource,
    resource_name: str,
    *,
    alarm_name: str,
    description: str,
    target: AlarmTarget,
    tags: Mapping[str, str],
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, pulumi.Input[str]],
    threshold: float,
    statistic: str = "Average",
    persistent: bool = True,
    comparison: str = "GreaterThanThreshold",
) -> aws.cloudwatch.MetricAlarm:
    """An alarm on one metric; ``statistic`` may be a percentile such as ``p99``."""
    stat: dict[str, Any] = {"extended_statistic": statistic} if statistic.startswith("p") else {"statistic": statistic}
    return aws.cloudwatch.MetricAlarm(
        resource_name,
        namespace=namespace,
        metric_name=metric_name,
        dimensions=dict(dimensions),
        period=target.thresholds.period_seconds,
        comparison_operator=comparison,
        threshold=threshold,
        **stat,
        **_common(alarm_name, description, target, tags, persistent=persistent),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def ecs_alarms(
    parent: pulumi.Resource,
    resource_name: str,
    *,
    name: str,
    cluster_name: pulumi.Input[str],
    service_name: pulumi.Input[str],
    target: AlarmTarget,
    tags: Mapping[str, str],
) -> list[aws.cloudwatch.MetricAlarm]:
    dimensions = {"ClusterName": cluster_name, "ServiceName": service_name}
    thresholds = target.thresholds
    return [
        metric_alarm(
            parent,
            f"{resource_name}-{signal}-alarm",
            alarm_name=f"{name}-{signal}",
            description=f"{name}: average {signal} above {limit:g}% of the task's reservation",
            target=target,
            tags=tags,
            namespace="AWS/ECS",
            metric_name=metric,
            dimensions=dimensions,
            threshold=limit,
        )
        for signal, metric, limit in (
            ("cpu", "CPUUtilization", thresholds.cpu_percent),
            ("memory", "MemoryUtilization", thresholds.memory_percent),
        )
    ]


def http_alarms(
    parent: pulumi.Resource,
    resource_name: str,
    *,
    name: str,
    load_balancer_suffix: pulumi.Input[str],
    target_group_suffix: pulumi.Input[str],
    target: AlarmTarget,
    tags: Mapping[str, str],
) -> list[aws.cloudwatch.MetricAlarm]:
    thresholds = target.thresholds
    dimensions = {"LoadBalancer": load_balancer_suffix, "TargetGroup": target_group_suffix}

    def count(query_id: str, metric_name: str, metric_dimensions: Mapping[str, pulumi.Input[str]]) -> Any:
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace="AWS/ApplicationELB",
                metric_name=metric_name,
                dimensions=dict(metric_dimensions),
                period=thresholds.period_seconds,
                stat="Sum",
            ),
        )

    error_rate = aws.cloudwatch.MetricAlarm(
        f"{resource_name}-5xx-alarm",
        comparison_operator="GreaterThanThreshold",
        threshold=thresholds.http_5xx_percent,
        metric_queries=[
            count("requests", "RequestCount", dimensions),
            count("target5xx", "HTTPCode_Target_5XX_Count", dimensions),
            # 502/503/504 the load balancer answers itself (no healthy target, timeouts).
            count("elb5xx", "HTTPCode_ELB_5XX_Count", {"LoadBalancer": load_balancer_suffix}),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="rate",
                label="5xx responses, % of requests",
                expression="100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / IF(FILL(requests, 0) > 0, requests, 1)",
                return_data=True,
            ),
        ],
        **_common(
            f"{name}-5xx-rate",
            f"{name}: more than {thresholds.http_5xx_percent:g}% of requests answered 5xx",
            target,
            tags,
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    latency = metric_alarm(
        parent,
        f"{resource_name}-p99-alarm",
        alarm_name=f"{name}-p99-latency",
        description=f"{name}: p99 target response time above {thresholds.p99_response_seconds:g} s",
        target=target,
        tags=tags,
        namespace="AWS/ApplicationELB",
        metric_name="TargetResponseTime",
        dimensions=dimensions,
        threshold=thresholds.p99_response_seconds,
        statistic="p99",
    )
    return [error_rate, latency]


def queue_alarms(
    parent: pulumi.Resource,
    resource_name: str,
    *,
    name: str,
    queue_name: pulumi.Input[str],
    dead_letter_queue_name: pulumi.Input[str],
    target: AlarmTarget,
    tags: Mapping[str, str],
) -> list[aws.cloudwatch.MetricAlarm]:
    thresholds = target.thresholds
    return [
        metric_alarm(
            parent,
            f"{resource_name}-queue-age-alarm",
            alarm_name=f"{name}-oldest-message",
            description=f"{name}: a job has waited more than {thresholds.oldest_message_seconds} s in the queue",
            target=target,
            tags=tags,
            namespace="AWS/SQS",
            metric_name="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": queue_name},
            threshold=thresholds.oldest_message_seconds,
            statistic="Maximum",
        ),
        # One failed job is worth a look: fire on the first message, not after minutes.
        metric_alarm(
            parent,
            f"{resource_name}-dlq-alarm",
            alarm_name=f"{name}-dead-letters",
            description=f"{name}: messages in the dead-letter queue (jobs that failed every attempt)",
            target=target,
            tags=tags,
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dead_letter_queue_name},
            threshold=0,
            statistic="Maximum",
            persistent=False,
        ),
    ]


def metric_widget(
    title: str, region: str, metrics: Sequence[Sequence[pulumi.Input[str] | dict[str, str]]], stat: str = "Average"
) -> dict[str, Any]:
    """A line graph; each metric is ``[namespace, name, dim, value, ..., {options}]``."""
    return {
        "type": "metric",
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": region,
            "metrics": [list(metric) for metric in metrics],
            "stat": stat,
            "period": 60,
            "view": "timeSeries",
        },
    }


def alarm_widget(title: str, alarms: Sequence[aws.cloudwatch.MetricAlarm]) -> dict[str, Any]:
    return {
        "type": "alarm",
        "width": 24,
        "height": 3,
        "properties": {"title": title, "alarms": [alarm.arn for alarm in alarms]},
    }


class ServiceDashboard(pulumi.ComponentResource):
    """One CloudWatch dashboard (``name``) made of the widgets the service's components offer."""

    def __init__(
        self,
        resource_name: str,
        *,
        name: str,
        widgets: Sequence[Mapping[str, Any]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:aws:ServiceDashboard", resource_name, None, opts)
        if not widgets:
            raise ValueError(f"dashboard {name!r} has no widgets")
        body = pulumi.Output.from_input([dict(widget) for widget in widgets]).apply(
            lambda resolved: json.dumps({"widgets": resolved})
        )
        dashboard = aws.cloudwatch.Dashboard(
            resource_name, dashboard_name=name, dashboard_body=body, opts=pulumi.ResourceOptions(parent=self)
        )
        self.dashboard_name = dashboard.dashboard_name
        self.register_outputs({"dashboard_name": self.dashboard_name})
