"""A module's database migrations as a one-off ECS task, before its services are updated.

The service stack exports ``migrationTask`` (cluster, the worker's task definition family and
container, subnets, security groups) for a module with a database. The deploy registers a
revision of that definition with the image it just built, runs it once as
``queue-worker.pex migrate``, waits, deregisters the revision, and fails unless the container
exited 0: a failed migration stops the deploy before any service runs the new code
(docs/database.md, "Expand, then contract").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tools.delivery.commands import Runner, run

# What `register-task-definition` accepts back from `describe-task-definition`.
_REGISTER_KEYS = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "runtimePlatform",
)


class MigrationFailed(RuntimeError):
    pass


def with_image(definition: Mapping[str, Any], container: str, digest: str) -> dict[str, Any]:
    """The definition to register: the same, with ``container`` running ``<repository>@digest``."""
    copy = {key: definition[key] for key in _REGISTER_KEYS if key in definition}
    found = False
    for entry in copy["containerDefinitions"]:
        if entry["name"] == container:
            entry["image"] = entry["image"].split("@", 1)[0] + "@" + digest
            found = True
    if not found:
        raise MigrationFailed(f"task definition {definition.get('family')} has no container named {container!r}")
    return copy


def run_migrations(task: Mapping[str, Any], digest: str, region: str, runner: Runner = run) -> None:
    """Run the migrations of the image ``digest`` (the worker's) once; raise unless they succeed."""
    aws = ["aws", "ecs", "--region", region, "--output", "json"]
    cluster, container = str(task["cluster"]), str(task["container"])
    described = json.loads(runner([*aws, "describe-task-definition", "--task-definition", task["family"]], None))
    definition = with_image(described["taskDefinition"], container, digest)
    registered = json.loads(
        runner([*aws, "register-task-definition", "--cli-input-json", json.dumps(definition)], None)
    )["taskDefinition"]["taskDefinitionArn"]
    try:
        network = {
            "awsvpcConfiguration": {
                "subnets": list(task["subnets"]),
                "securityGroups": list(task["securityGroups"]),
                "assignPublicIp": "DISABLED",
            }
        }
        overrides = {"containerOverrides": [{"name": container, "command": ["migrate"]}]}
        started = json.loads(
            runner(
                [
                    *aws, "run-task", "--cluster", cluster, "--task-definition", registered,
                    "--launch-type", "FARGATE", "--started-by", "deploy-migrations",
                    "--network-configuration", json.dumps(network), "--overrides", json.dumps(overrides),
                ],
                None,
            )
        )  # fmt: skip
        if started.get("failures") or not started.get("tasks"):
            raise MigrationFailed(f"the migration task did not start: {started.get('failures')}")
        task_arn = started["tasks"][0]["taskArn"]
        print(f"migrations: running {task_arn} ({registered})", flush=True)
        # `wait tasks-stopped` polls for up to 10 minutes and exits non-zero past that.
        runner([*aws, "wait", "tasks-stopped", "--cluster", cluster, "--tasks", task_arn], None)
        stopped = json.loads(runner([*aws, "describe-tasks", "--cluster", cluster, "--tasks", task_arn], None))
        check_exit(stopped, container)
    finally:
        runner([*aws, "deregister-task-definition", "--task-definition", registered], None)
    print("migrations: done", flush=True)


def check_exit(described: Mapping[str, Any], container: str) -> None:
    [stopped] = described["tasks"]
    exit_codes = {c["name"]: c.get("exitCode") for c in stopped.get("containers", [])}
    if exit_codes.get(container) != 0:
        raise MigrationFailed(
            f"the migrations exited {exit_codes.get(container)} ({stopped.get('stoppedReason', 'no reason given')}); "
            "the services were not updated: see the task's log in the worker's log group"
        )
