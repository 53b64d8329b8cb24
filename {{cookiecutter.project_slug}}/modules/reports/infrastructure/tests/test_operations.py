"""The reports stacks' rollouts, secrets, alarms, dashboard and tracing settings."""

import json

import pytest

from reports.infrastructure.tests.conftest import FOUNDATION, containers, run_stack
from stack.infra.conventions import AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG
from stack.infra.policy import PolicyContext, PolicyViolationError, enforce, evaluate
from stack.infra.service_stack import STOP_MARGIN_SECONDS, ServiceSpec, deploy

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def env_of(container):
    return {e["name"]: e["value"] for e in container["environment"]}


def test_stop_timeouts_and_draining_follow_each_processs_shutdown_bound():
    result = run_stack("prod")
    found = containers(result)
    # The worker is told its bound, ECS waits a little longer before SIGKILL.
    assert env_of(found["worker"])["REPORTS_SHUTDOWN_TIMEOUT_SECONDS"] == "25"
    assert found["worker"]["stopTimeout"] == 25 + STOP_MARGIN_SECONDS
    # uvicorn's timeout_graceful_shutdown (backend/api/main.py) is 10 s.
    assert found["api"]["stopTimeout"] == 10 + STOP_MARGIN_SECONDS
    assert result.one("aws:lb/targetGroup:TargetGroup").inputs["deregistrationDelay"] == 10 + STOP_MARGIN_SECONDS
    for service in result.of_type("aws:ecs/service:Service"):
        assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


@pytest.mark.parametrize("stack", ["test", "prod", "preview-42"])
def test_alarms_go_to_the_environments_topic_and_a_dashboard_shows_the_service(stack):
    result = run_stack(stack)
    environment = "preview" if stack.startswith("preview") else stack
    topic = FOUNDATION["alarmTopicArns"][environment]
    alarms = result.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == 8
    assert all(a.inputs["alarmActions"] == [topic] for a in alarms)
    assert all(a.inputs["name"].startswith(f"{PROJECT_SLUG}-{stack}-reports-") for a in alarms)
    dashboard = result.one("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == f"{PROJECT_SLUG}-{stack}-reports"
    assert len(json.loads(dashboard.inputs["dashboardBody"])["widgets"]) >= 8
    assert (
        result.outputs["alarmTopicArn"] == topic
        and result.outputs["dashboardName"] == dashboard.inputs["dashboardName"]
    )


def test_alarm_topic_and_thresholds_are_stack_settings():
    topic = f"arn:aws:sns:{AWS_REGION}:{AWS_ACCOUNT_ID}:pager"
    result = run_stack("prod", alarmTopicArn=topic, alarmThresholds={"cpuPercent": 70, "p99ResponseSeconds": 0.5})
    alarms = {a.inputs["name"]: a.inputs for a in result.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert all(a["alarmActions"] == [topic] for a in alarms.values())
    assert alarms[f"{PROJECT_SLUG}-prod-reports-api-cpu"]["threshold"] == 70
    assert alarms[f"{PROJECT_SLUG}-prod-reports-api-p99-latency"]["threshold"] == 0.5
    with pytest.raises(ValueError, match="unknown settings \\['cpu'\\]"):
        run_stack("prod", alarmThresholds={"cpu": 70})


def test_secrets_from_settings_reach_only_their_component():
    result = run_stack("prod", secrets={"api": ["PAYMENT_API_KEY"], "worker": ["SMTP_PASSWORD"]})
    found = containers(result)
    prefix = f"{PROJECT_SLUG}-prod-reports"
    # The API also gets the platform's key of job ids derived from Idempotency-Keys.
    expected = {"api": ["PAYMENT_API_KEY", "REPORTS_IDEMPOTENCY_SECRET"], "worker": ["SMTP_PASSWORD"]}
    for component, names in expected.items():
        arns = [f"arn:aws:ssm:{AWS_REGION}:{AWS_ACCOUNT_ID}:parameter/{prefix}-{component}/{name}" for name in names]
        assert found[component]["secrets"] == [{"name": n, "valueFrom": a} for n, a in zip(names, arns, strict=True)]
        policy = json.loads(
            result.one("aws:iam/rolePolicy:RolePolicy", f"{component}-roles-exec-policy").inputs["policy"]
        )
        [read] = [s for s in policy["Statement"] if s.get("Sid") == "ReadOwnSecrets"]
        assert read["Resource"] == sorted(arns)
    keys = {p.inputs["keyId"] for p in result.of_type("aws:ssm/parameter:Parameter")}
    assert keys == {FOUNDATION["secretsKeyArns"]["prod"]}
    enforce(result.resources, PolicyContext(environment="prod", require_permissions_boundary=True))


def test_the_idempotency_key_secret_starts_random_and_is_never_reset():
    result = run_stack("test")
    parameters = {p.inputs["name"]: p for p in result.of_type("aws:ssm/parameter:Parameter")}
    secret = parameters[f"/{PROJECT_SLUG}-test-reports-api/REPORTS_IDEMPOTENCY_SECRET"]
    # The mocks' generator answers 48 "r"s: the value comes from it, not the placeholder. It
    # is a Pulumi secret (the mocks see it wrapped), so it never shows in state or logs.
    value = secret.inputs["value"]
    assert isinstance(value, dict) and value["value"] == "r" * 48
    assert secret.inputs["type"] == "SecureString"
    assert "REPORTS_IDEMPOTENCY_SECRET" not in str(containers(result)["worker"].get("secrets", []))


def test_unknown_secret_components_are_refused():
    with pytest.raises(ValueError, match="unknown components \\['web'\\]"):
        run_stack("test", secrets={"web": ["TOKEN"]})


def test_tracing_is_one_setting():
    assert run_stack("test").outputs["tracing"] is False
    assert {name for name in containers(run_stack("test"))} == {"api", "worker"}
    result = run_stack("test", tracing=True)
    families = {
        t.inputs["family"]: [c["name"] for c in json.loads(t.inputs["containerDefinitions"])]
        for t in result.of_type("aws:ecs/taskDefinition:TaskDefinition")
    }
    assert families == {
        f"{PROJECT_SLUG}-test-reports-api": ["app", "otel-collector"],
        f"{PROJECT_SLUG}-test-reports-worker": ["worker", "otel-collector"],
    }
    enforce(result.resources, PolicyContext(environment="test", require_permissions_boundary=True))


def test_a_stack_that_drops_an_alarm_is_caught():
    result = run_stack("prod")
    kept = [
        r
        for r in result.resources
        if not (r.type == "aws:cloudwatch/metricAlarm:MetricAlarm" and r.inputs["name"].endswith("-dead-letters"))
    ]
    violations = evaluate(kept, PolicyContext(environment="prod", require_permissions_boundary=True))
    assert [v.rule for v in violations] == ["alarms-per-signal"]
    assert "dead-letter queue" in violations[0].message
    with pytest.raises(PolicyViolationError):
        enforce(kept, PolicyContext(environment="prod"))


@pytest.mark.parametrize(("has_api", "has_worker"), [(True, False), (False, True)])
def test_a_module_with_one_component_still_alarms_on_every_signal(has_api, has_worker):
    spec = ServiceSpec(name="reports", env_prefix="REPORTS_", has_api=has_api, has_worker=has_worker)
    result = run_stack("prod", entry=lambda: deploy(spec))
    enforce(result.resources, PolicyContext(environment="prod", require_permissions_boundary=True))
    names = {a.inputs["name"].removeprefix(f"{PROJECT_SLUG}-prod-reports-") for a in result.of_type(ALARM)}
    # Without a worker the queue itself is watched; with one, the worker's alarms cover it.
    owner = "worker" if has_worker else "jobs"
    assert {f"{owner}-oldest-message", f"{owner}-dead-letters"} <= names
    assert ("api-5xx-rate" in names) is has_api and ("worker-cpu" in names) is has_worker
    assert result.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardName"] == f"{PROJECT_SLUG}-prod-reports"
