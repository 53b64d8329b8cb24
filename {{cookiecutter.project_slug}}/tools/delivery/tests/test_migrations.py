"""The deploy's migration step: a one-off task of the worker's definition, from the new
image, before the services are updated; a failure stops the deploy."""

import json
from pathlib import Path

import pytest

from tools.delivery import migrations, pulumi_stacks
from tools.delivery.tests.test_cloud_commands import DIGEST_A, DIGEST_B, FakeCli

CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/acme"
TASK = {
    "cluster": CLUSTER,
    "family": "acme-test-billing-worker",
    "container": "worker",
    "subnets": ["subnet-a"],
    "securityGroups": ["sg-worker"],
}
DEFINITION = {
    "taskDefinition": {
        "family": "acme-test-billing-worker",
        "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/acme-test-billing-worker:7",
        "revision": 7,
        "status": "ACTIVE",
        "executionRoleArn": "arn:exec",
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "worker", "image": f"123.dkr.ecr/acme-test@{DIGEST_A}", "secrets": []}],
    }
}
NEW = "arn:aws:ecs:eu-west-1:123456789012:task-definition/acme-test-billing-worker:8"


def cli_for(exit_code: int | None) -> FakeCli:
    aws = ("aws", "ecs", "--region", "eu-west-1", "--output", "json")
    stopped = {
        "tasks": [
            {"containers": [{"name": "worker", "exitCode": exit_code}], "stoppedReason": "Essential container exited"}
        ]
    }
    return FakeCli(
        {
            (*aws, "describe-task-definition"): json.dumps(DEFINITION),
            (*aws, "register-task-definition"): json.dumps({"taskDefinition": {"taskDefinitionArn": NEW}}),
            (*aws, "run-task"): json.dumps({"tasks": [{"taskArn": "arn:task/1"}], "failures": []}),
            (*aws, "describe-tasks"): json.dumps(stopped),
        }
    )


def verbs(cli: FakeCli) -> list[str]:
    return [args[6] for args, _ in cli.calls if args[:2] == ["aws", "ecs"]]


def test_the_migrations_run_from_the_new_image_then_the_revision_goes() -> None:
    cli = cli_for(0)
    migrations.run_migrations(TASK, DIGEST_B, "eu-west-1", runner=cli)
    assert verbs(cli) == [
        "describe-task-definition", "register-task-definition", "run-task", "wait", "describe-tasks",
        "deregister-task-definition",
    ]  # fmt: skip
    registered = json.loads(cli.calls[1][0][-1])
    assert registered["containerDefinitions"][0]["image"] == f"123.dkr.ecr/acme-test@{DIGEST_B}"
    assert "revision" not in registered and "taskDefinitionArn" not in registered
    run_task = cli.calls[2][0]
    overrides = json.loads(run_task[run_task.index("--overrides") + 1])
    assert overrides == {"containerOverrides": [{"name": "worker", "command": ["migrate"]}]}
    network = json.loads(run_task[run_task.index("--network-configuration") + 1])["awsvpcConfiguration"]
    assert network == {"subnets": ["subnet-a"], "securityGroups": ["sg-worker"], "assignPublicIp": "DISABLED"}
    assert run_task[run_task.index("--task-definition") + 1] == NEW


@pytest.mark.parametrize("exit_code", [1, None])
def test_a_failed_migration_raises_and_still_deregisters(exit_code: int | None) -> None:
    cli = cli_for(exit_code)
    with pytest.raises(migrations.MigrationFailed, match=f"exited {exit_code}.*services were not updated"):
        migrations.run_migrations(TASK, DIGEST_B, "eu-west-1", runner=cli)
    assert verbs(cli)[-1] == "deregister-task-definition"


def test_up_migrates_before_the_update_and_a_first_deploy_right_after(tmp_path: Path) -> None:
    order: list[str] = []
    outputs = iter(["{}", json.dumps({"migrationTask": TASK})])

    def fake(args, cwd, stdin=None):
        if args[:3] == ["pulumi", "stack", "output"]:
            return next(outputs)
        if args[:2] == ["pulumi", "up"]:
            order.append("up")
        return ""

    def migrate(found) -> bool:
        order.append("migrate" if found.get("migrationTask") else "nothing to migrate")
        return bool(found.get("migrationTask"))

    pulumi_stacks.up(tmp_path, "acme/billing/test", "w", {}, runner=fake, streamer=fake, before_update=migrate)
    assert order == ["nothing to migrate", "up", "migrate"]  # a new stack: its database exists only now

    order.clear()
    outputs = iter([json.dumps({"migrationTask": TASK})])
    pulumi_stacks.up(tmp_path, "acme/billing/test", "w", {}, runner=fake, streamer=fake, before_update=migrate)
    assert order == ["migrate", "up"]


def test_a_failed_migration_stops_before_the_update(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def fake(args, cwd, stdin=None):
        calls.append(list(args))
        return json.dumps({"migrationTask": TASK}) if args[:3] == ["pulumi", "stack", "output"] else ""

    def migrate(_found) -> bool:
        raise migrations.MigrationFailed("the migrations exited 1")

    with pytest.raises(migrations.MigrationFailed):
        pulumi_stacks.up(tmp_path, "acme/billing/test", "w", {}, runner=fake, streamer=fake, before_update=migrate)
    assert not any(call[:2] == ["pulumi", "up"] for call in calls)
