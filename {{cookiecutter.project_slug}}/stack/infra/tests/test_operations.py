"""Rollouts, secrets, alarms, dashboards and tracing as the components declare them."""

import json

import pytest

from stack.infra.components import (
    AlarmTarget,
    AlarmThresholds,
    HttpService,
    HttpServiceArgs,
    ServiceDashboard,
    WorkerService,
    WorkerServiceArgs,
)
from stack.infra.components.fargate import TRACING_COLLECTOR_IMAGE
from stack.infra.components.secrets import PLACEHOLDER
from stack.infra.tests.test_components import ACCOUNT, LOG_BUCKET, REGION, TOPIC_ARN, run, task_args

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/secrets-test"


def parameter(service, name):
    return f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{service}/{name}"


def api(**task_overrides):
    args = task_overrides.pop("http", {})
    return HttpService(
        "api",
        HttpServiceArgs(
            task=task_args(**task_overrides),
            public_subnet_ids=["subnet-public-a"],
            access_log_bucket=LOG_BUCKET,
            **args,
        ),
    )


def worker(**task_overrides):
    return WorkerService(
        "worker",
        WorkerServiceArgs(
            task=task_args("acme-test-worker", **task_overrides),
            queue_name="acme-test-jobs",
            dead_letter_queue_name="acme-test-jobs-dlq",
        ),
    )


def containers(result, family):
    task = next(t for t in result.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.inputs["family"] == family)
    return {c["name"]: c for c in json.loads(task.inputs["containerDefinitions"])}


def policy_document(result, name):
    return json.loads(result.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])


# Rollouts


def test_deploys_roll_with_a_circuit_breaker_and_never_drop_below_the_running_count():
    result = run(lambda: (api(), worker()))
    for service in result.of_type("aws:ecs/service:Service"):
        assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert service.inputs["deploymentMinimumHealthyPercent"] == 100
        assert service.inputs["deploymentMaximumPercent"] == 200
    assert result.one("aws:ecs/service:Service", "api-service").inputs["healthCheckGracePeriodSeconds"] == 60
    # A worker has no load balancer health checks to ignore.
    assert "healthCheckGracePeriodSeconds" not in result.one("aws:ecs/service:Service", "worker-service").inputs


def test_draining_matches_the_stop_timeout_unless_set():
    result = run(lambda: api(stop_timeout_seconds=15, http={"health_check_grace_period_seconds": 90}))
    assert result.one("aws:lb/targetGroup:TargetGroup").inputs["deregistrationDelay"] == 15
    assert containers(result, "acme-test-api")["app"]["stopTimeout"] == 15
    assert result.one("aws:ecs/service:Service").inputs["healthCheckGracePeriodSeconds"] == 90
    explicit = run(lambda: api(http={"deregistration_delay_seconds": 5}))
    assert explicit.one("aws:lb/targetGroup:TargetGroup").inputs["deregistrationDelay"] == 5


@pytest.mark.parametrize("seconds", [1, 121])
def test_stop_timeouts_fargate_cannot_honour_are_refused(seconds):
    with pytest.raises(ValueError, match="stop_timeout_seconds must be 2..120"):
        task_args(stop_timeout_seconds=seconds)


# Secrets


def test_secrets_are_secure_strings_under_the_service_name_encrypted_with_the_environment_key():
    result = run(lambda: api(secrets=("PAYMENT_API_KEY", "DATABASE_URL"), secrets_key_arn=KEY_ARN))
    parameters = {p.inputs["name"]: p for p in result.of_type("aws:ssm/parameter:Parameter")}
    assert set(parameters) == {"/acme-test-api/PAYMENT_API_KEY", "/acme-test-api/DATABASE_URL"}
    for item in parameters.values():
        assert item.inputs["type"] == "SecureString" and item.inputs["keyId"] == KEY_ARN
        # Sent as a Pulumi secret (the mocks see the secret envelope), never in plain state.
        assert item.inputs["value"]["value"] == PLACEHOLDER
        # A value set later with put-parameter --overwrite is never reset by a deploy.
        assert "value" in item.ignore_changes


def test_secrets_reach_the_container_through_secrets_not_environment():
    result = run(lambda: api(secrets=("PAYMENT_API_KEY",), secrets_key_arn=KEY_ARN))
    app = containers(result, "acme-test-api")["app"]
    assert app["secrets"] == [{"name": "PAYMENT_API_KEY", "valueFrom": parameter("acme-test-api", "PAYMENT_API_KEY")}]
    assert "PAYMENT_API_KEY" not in {e["name"] for e in app["environment"]}
    assert PLACEHOLDER not in json.dumps(app)


def test_each_execution_role_reads_and_decrypts_only_its_own_parameters():
    result = run(
        lambda: (
            api(secrets=("PAYMENT_API_KEY",), secrets_key_arn=KEY_ARN),
            worker(secrets=("SMTP_PASSWORD",), secrets_key_arn=KEY_ARN),
        )
    )
    for component, name, secret in (
        ("api", "acme-test-api", "PAYMENT_API_KEY"),
        ("worker", "acme-test-worker", "SMTP_PASSWORD"),
    ):
        statements = {s["Sid"]: s for s in policy_document(result, f"{component}-roles-exec-policy")["Statement"]}
        assert statements["ReadOwnSecrets"]["Resource"] == [parameter(name, secret)]
        decrypt = statements["DecryptOwnSecrets"]
        assert decrypt["Resource"] == KEY_ARN and decrypt["Action"] == "kms:Decrypt"
        assert decrypt["Condition"]["StringEquals"] == {
            "kms:ViaService": f"ssm.{REGION}.amazonaws.com",
            "kms:EncryptionContext:PARAMETER_ARN": [parameter(name, secret)],
        }
        # The code's own role never sees the parameters.
        assert "ssm:" not in json.dumps(policy_document(result, f"{component}-roles-task-policy"))


def test_without_secrets_the_execution_role_reads_none():
    result = run(api)
    assert "ssm:" not in json.dumps(policy_document(result, "api-roles-exec-policy"))
    assert not result.of_type("aws:ssm/parameter:Parameter")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"secrets": ("TOKEN",)}, "need the environment's KMS key"),
        ({"secrets": ("GREETING",), "secrets_key_arn": KEY_ARN}, "both secrets and plain environment values"),
    ],
)
def test_inconsistent_secret_settings_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        task_args(**overrides)


def test_secret_names_must_be_environment_variable_names():
    with pytest.raises(ValueError, match="environment variable names"):
        run(lambda: api(secrets=("db-password",), secrets_key_arn=KEY_ARN))


# Alarms and dashboards


def alarms_by_name(result):
    return {a.inputs["name"]: a.inputs for a in result.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}


def test_http_service_alarms_on_cpu_memory_5xx_rate_and_p99_and_notifies_the_topic():
    result = run(api)
    alarms = alarms_by_name(result)
    assert set(alarms) == {
        "acme-test-api-cpu",
        "acme-test-api-memory",
        "acme-test-api-5xx-rate",
        "acme-test-api-p99-latency",
    }
    for alarm in alarms.values():
        assert alarm["alarmActions"] == [TOPIC_ARN] and alarm["okActions"] == [TOPIC_ARN]
    assert alarms["acme-test-api-cpu"]["dimensions"] == {"ClusterName": "acme", "ServiceName": "acme-test-api"}
    assert alarms["acme-test-api-cpu"]["threshold"] == 85
    latency = alarms["acme-test-api-p99-latency"]
    assert (latency["metricName"], latency["extendedStatistic"], latency["threshold"]) == (
        "TargetResponseTime",
        "p99",
        2,
    )
    assert latency["dimensions"]["TargetGroup"] == "targetgroup/api-tg/0123"
    queries = {q["id"]: q for q in alarms["acme-test-api-5xx-rate"]["metricQueries"]}
    assert queries["target5xx"]["metric"]["metricName"] == "HTTPCode_Target_5XX_Count"
    assert queries["rate"]["returnData"] is True and "100 *" in queries["rate"]["expression"]


def test_worker_alarms_on_queue_age_and_dead_letters():
    result = run(worker)
    alarms = alarms_by_name(result)
    assert set(alarms) == {
        "acme-test-worker-cpu",
        "acme-test-worker-memory",
        "acme-test-worker-oldest-message",
        "acme-test-worker-dead-letters",
    }
    age = alarms["acme-test-worker-oldest-message"]
    assert (age["metricName"], age["dimensions"], age["threshold"]) == (
        "ApproximateAgeOfOldestMessage",
        {"QueueName": "acme-test-jobs"},
        600,
    )
    dead = alarms["acme-test-worker-dead-letters"]
    assert dead["dimensions"] == {"QueueName": "acme-test-jobs-dlq"} and dead["threshold"] == 0
    # The first failed job fires it: one period, one datapoint.
    assert (dead["evaluationPeriods"], dead["datapointsToAlarm"]) == (1, 1)


def test_thresholds_are_settings():
    thresholds = AlarmThresholds(cpu_percent=70, p99_response_seconds=0.5, oldest_message_seconds=60)
    result = run(
        lambda: (api(alarms=AlarmTarget(TOPIC_ARN, thresholds)), worker(alarms=AlarmTarget(TOPIC_ARN, thresholds)))
    )
    alarms = alarms_by_name(result)
    assert alarms["acme-test-api-cpu"]["threshold"] == 70
    assert alarms["acme-test-api-p99-latency"]["threshold"] == 0.5
    assert alarms["acme-test-worker-oldest-message"]["threshold"] == 60
    with pytest.raises(ValueError, match="datapoints_to_alarm"):
        AlarmThresholds(evaluation_periods=2, datapoints_to_alarm=3)


def test_worker_alarms_need_the_dead_letter_queue():
    with pytest.raises(ValueError, match="dead_letter_queue_name"):
        run(
            lambda: WorkerService(
                "worker", WorkerServiceArgs(task=task_args("acme-test-worker"), queue_name="acme-test-jobs")
            )
        )


def test_dashboard_shows_each_components_alarms_and_signals():
    def program():
        http, jobs = api(), worker()
        ServiceDashboard("dashboard", name="acme-test-reports", widgets=[*http.widgets, *jobs.widgets])

    result = run(program)
    dashboard = result.one("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == "acme-test-reports"
    widgets = json.loads(dashboard.inputs["dashboardBody"])["widgets"]
    alarm_widgets = [w for w in widgets if w["type"] == "alarm"]
    assert len(alarm_widgets) == 2 and all(len(w["properties"]["alarms"]) == 4 for w in alarm_widgets)
    metrics = {m[1] for w in widgets if w["type"] == "metric" for m in w["properties"]["metrics"]}
    assert {
        "RequestCount",
        "HTTPCode_Target_5XX_Count",
        "TargetResponseTime",
        "CPUUtilization",
        "MemoryUtilization",
        "ApproximateAgeOfOldestMessage",
        "ApproximateNumberOfMessagesVisible",
    } <= metrics
    assert ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "acme-test-jobs-dlq"] in [
        m for w in widgets if w["type"] == "metric" for m in w["properties"]["metrics"]
    ]


# Tracing


def test_tracing_is_off_by_default():
    result = run(api)
    assert set(containers(result, "acme-test-api")) == {"app"}
    assert "xray:" not in json.dumps(policy_document(result, "api-roles-task-policy"))


def test_tracing_adds_a_collector_sidecar_the_app_exports_to():
    result = run(lambda: api(tracing=True))
    found = containers(result, "acme-test-api")
    collector, app = found["otel-collector"], found["app"]
    assert collector["image"] == TRACING_COLLECTOR_IMAGE and ":latest" not in collector["image"]
    assert collector["essential"] is False
    assert collector["command"] == ["--config=/etc/ecs/ecs-xray.yaml"]
    assert app["dependsOn"] == [{"containerName": "otel-collector", "condition": "START"}]
    env = {e["name"]: e["value"] for e in app["environment"]}
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4318"
    assert env["OTEL_SERVICE_NAME"] == "acme-test-api" and env["GREETING"] == "hello"
    statements = {s["Sid"]: s for s in policy_document(result, "api-roles-task-policy")["Statement"]}
    assert "xray:PutTraceSegments" in statements["WriteTraces"]["Action"]
