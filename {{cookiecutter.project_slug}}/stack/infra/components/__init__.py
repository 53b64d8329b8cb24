"""Reusable Pulumi components built from plain pulumi_aws resources."""

from stack.infra.components.alarms import AlarmTarget, AlarmThresholds, ServiceDashboard
from stack.infra.components.bucket import PrivateBucket
from stack.infra.components.fargate import FargateTaskArgs
from stack.infra.components.http_service import HttpService, HttpServiceArgs
from stack.infra.components.queue import JobQueue
from stack.infra.components.task_roles import TaskRoles
from stack.infra.components.worker_service import WorkerService, WorkerServiceArgs

__all__ = [
    "AlarmTarget",
    "AlarmThresholds",
    "FargateTaskArgs",
    "HttpService",
    "HttpServiceArgs",
    "JobQueue",
    "PrivateBucket",
    "ServiceDashboard",
    "TaskRoles",
    "WorkerService",
    "WorkerServiceArgs",
]
