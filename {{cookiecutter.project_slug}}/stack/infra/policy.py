"""Rules every stack's resource graph must satisfy, checked in each stack's mock tests.

``evaluate`` runs all rules over the resources a mocked run recorded (see
stack/infra/testing.py) and returns one ``Violation`` per problem, naming the rule and
the resource. ``enforce`` raises with all of them at once. The rules read the inputs the
program gave pulumi_aws, so they check what would be sent to AWS, not the Python code.
"""

import importlib
import inspect
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from stack.infra.conventions import REQUIRED_TAGS
from stack.infra.testing import RecordedResource

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
_PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}


@dataclass(frozen=True)
class Violation:
    rule: str
    resource: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.resource}: {self.message}"


class PolicyViolationError(AssertionError):
    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        lines = "\n".join(f"  - {v}" for v in self.violations)
        super().__init__(f"{len(self.violations)} policy violation(s):\n{lines}")


@dataclass(frozen=True)
class PolicyContext:
    """What the rules need to know about the stack under test.

    ``environment`` is the value every resource's ``environment`` tag must have ("test",
    "prod", "preview", or "shared" for the foundation). ``github_subjects`` are the only
    prefixes an OIDC trust policy's ``sub`` condition may start with.
    """

    environment: str
    github_subjects: tuple[str, ...] = ()
    require_permissions_boundary: bool = False
    # Off only in unit tests of one component (a bare queue has no one to page).
    require_alarms: bool = True
    extra_rules: tuple["Rule", ...] = field(default=())


Rule = Callable[[Sequence[RecordedResource], PolicyContext], Iterable[Violation]]


def _of_type(resources: Sequence[RecordedResource], type_token: str) -> list[RecordedResource]:
    return [r for r in resources if r.type == type_token]


def _targets(
    resources: Sequence[RecordedResource], type_token: str, bucket: RecordedResource
) -> list[RecordedResource]:
    return [
        r for r in _of_type(resources, type_token) if r.inputs.get("bucket") in (bucket.id, bucket.inputs.get("bucket"))
    ]


def s3_public_access_blocked(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    rule = "s3-public-access-blocked"
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    for bucket in _of_type(resources, "aws:s3/bucket:Bucket"):
        if bucket.inputs.get("acl") in _PUBLIC_ACLS:
            yield Violation(rule, bucket.label, f"has the public ACL {bucket.inputs['acl']!r}")
        blocks = _targets(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket)
        if not blocks:
            yield Violation(rule, bucket.label, "has no BucketPublicAccessBlock")
        for block in blocks:
            off = [flag for flag in flags if block.inputs.get(flag) is not True]
            if off:
                yield Violation(rule, bucket.label, f"public access block leaves {', '.join(off)} off")


def s3_encrypted(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    for bucket in _of_type(resources, "aws:s3/bucket:Bucket"):
        configs = _targets(
            resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket
        )
        algorithms = [
            (rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm")
            for config in configs
            for rule in config.inputs.get("rules", [])
        ]
        if not any(algorithms):
            yield Violation("s3-encrypted", bucket.label, "has no default server-side encryption")


def sqs_encrypted(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    for queue in _of_type(resources, "aws:sqs/queue:Queue"):
        if queue.inputs.get("sqsManagedSseEnabled") is not True and not queue.inputs.get("kmsMasterKeyId"):
            yield Violation("sqs-encrypted", queue.label, "sets neither sqs_managed_sse_enabled nor kms_master_key_id")


def sqs_dead_letter_queue(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    queues = _of_type(resources, "aws:sqs/queue:Queue")
    names = {str(q.inputs.get("name", q.name)) for q in queues}
    dead_letter_targets: set[str] = set()
    redrives: dict[str, dict[str, Any]] = {}
    for queue in queues:
        raw = queue.inputs.get("redrivePolicy")
        if raw:
            policy = json.loads(raw) if isinstance(raw, str) else raw
            redrives[queue.name] = policy
            dead_letter_targets.add(str(policy.get("deadLetterTargetArn", "")).rsplit(":", 1)[-1])
    for queue in queues:
        if str(queue.inputs.get("name", queue.name)) in dead_letter_targets:
            continue  # a dead-letter queue itself
        policy = redrives.get(queue.name)
        if policy is None:
            yield Violation("sqs-dead-letter-queue", queue.label, "has no redrive policy to a dead-letter queue")
            continue
        target = str(policy.get("deadLetterTargetArn", "")).rsplit(":", 1)[-1]
        if target not in names:
            yield Violation("sqs-dead-letter-queue", queue.label, f"redrives to {target!r}, not a queue of this stack")
        if not isinstance(policy.get("maxReceiveCount"), int) or policy["maxReceiveCount"] < 1:
            yield Violation("sqs-dead-letter-queue", queue.label, "redrive policy has no positive maxReceiveCount")


def log_retention(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    for group in _of_type(resources, "aws:cloudwatch/logGroup:LogGroup"):
        days = group.inputs.get("retentionInDays")
        if not days or days <= 0:
            yield Violation("log-retention", group.label, "keeps logs forever: set retention_in_days")


def no_public_ip_in_prod(resources: Sequence[RecordedResource], context: PolicyContext) -> Iterable[Violation]:
    if context.environment != "prod":
        return
    for service in _of_type(resources, "aws:ecs/service:Service"):
        network = service.inputs.get("networkConfiguration") or {}
        if network.get("assignPublicIp") is True:
            yield Violation("no-public-ip-in-prod", service.label, "gives its prod tasks public IP addresses")


def ecs_capacity_exclusive(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    for service in _of_type(resources, "aws:ecs/service:Service"):
        if service.inputs.get("launchType") and service.inputs.get("capacityProviderStrategies"):
            yield Violation(
                "ecs-capacity-exclusive", service.label, "sets both launch_type and capacity_provider_strategies"
            )


@cache
def _is_taggable(type_token: str) -> bool:
    """Whether the pulumi_aws resource class for a type token accepts ``tags``."""
    package, module_path, class_name = type_token.split(":")
    if package != "aws":
        return False
    module = module_path.split("/")[0]
    python_module = importlib.import_module("pulumi_aws" if module == "index" else f"pulumi_aws.{module}")
    resource_class = getattr(python_module, class_name)
    return "tags" in inspect.signature(resource_class._internal_init).parameters


def tags_required(resources: Sequence[RecordedResource], context: PolicyContext) -> Iterable[Violation]:
    for resource in resources:
        if not resource.custom or not _is_taggable(resource.type):
            continue
        tags = resource.inputs.get("tags") or {}
        missing = [key for key in REQUIRED_TAGS if not tags.get(key)]
        if missing:
            yield Violation("tags-required", resource.label, f"lacks the tags {', '.join(missing)}")
        elif tags["environment"] != context.environment:
            yield Violation(
                "tags-required",
                resource.label,
                f"is tagged environment={tags['environment']!r}, not {context.environment!r}",
            )


def _statements(document: Any) -> list[dict[str, Any]]:
    parsed = json.loads(document) if isinstance(document, str) else document
    statements = (parsed or {}).get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def oidc_trust_pinned(resources: Sequence[RecordedResource], context: PolicyContext) -> Iterable[Violation]:
    rule = "oidc-trust-pinned"
    for role in _of_type(resources, "aws:iam/role:Role"):
        for statement in _statements(role.inputs.get("assumeRolePolicy")):
            federated = _as_list((statement.get("Principal") or {}).get("Federated", []))
            if not any(GITHUB_OIDC_HOST in str(p) for p in federated):
                continue
            condition = statement.get("Condition") or {}
            equals = condition.get("StringEquals") or {}
            if _as_list(equals.get(f"{GITHUB_OIDC_HOST}:aud")) != ["sts.amazonaws.com"]:
                yield Violation(rule, role.label, "does not pin the token audience to sts.amazonaws.com")
            if condition.keys() - {"StringEquals", "StringLike"}:
                unexpected = sorted(condition.keys() - {"StringEquals", "StringLike"})
                yield Violation(rule, role.label, f"uses {unexpected}: only exact matches (and refs matched by *)")
            like = (condition.get("StringLike") or {}).get(f"{GITHUB_OIDC_HOST}:sub", [])
            subjects = _as_list(equals.get(f"{GITHUB_OIDC_HOST}:sub", [])) + _as_list(like)
            if not subjects:
                yield Violation(rule, role.label, "does not pin the token subject (sub)")
            for subject in map(str, subjects):
                # Only the ref of a job_workflow_ref may be open (pull requests: refs/pull/<n>/merge).
                pinned = subject.rsplit("@", 1)[0] if "@" in subject else subject
                if any(ch in pinned for ch in "*?") or (subject != pinned and "?" in subject):
                    yield Violation(rule, role.label, f"subject {subject!r} contains a wildcard")
                elif not any(subject.startswith(prefix) for prefix in context.github_subjects):
                    yield Violation(rule, role.label, f"subject {subject!r} is not this repository's")


def _policy_documents(resource: RecordedResource) -> list[Any]:
    if resource.type in ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"):
        return [resource.inputs.get("policy")]
    if resource.type == "aws:iam/role:Role":
        return [p.get("policy") for p in resource.inputs.get("inlinePolicies", []) or []]
    return []


def iam_no_admin(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    for resource in resources:
        for document in _policy_documents(resource):
            for statement in _statements(document):
                if statement.get("Effect") != "Allow":
                    continue
                actions = [str(a) for a in _as_list(statement.get("Action", []))]
                broad = [a for a in actions if a == "*" or a.startswith("iam:*")]
                if broad and "*" in _as_list(statement.get("Resource", [])):
                    yield Violation("iam-no-admin", resource.label, f"allows {broad} on every resource")


def roles_have_boundary(resources: Sequence[RecordedResource], context: PolicyContext) -> Iterable[Violation]:
    if not context.require_permissions_boundary:
        return
    for role in _of_type(resources, "aws:iam/role:Role"):
        if not role.inputs.get("permissionsBoundary"):
            yield Violation("roles-have-boundary", role.label, "has no permissions boundary")


def ecs_safe_rollouts(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    rule = "ecs-safe-rollouts"
    for service in _of_type(resources, "aws:ecs/service:Service"):
        breaker = service.inputs.get("deploymentCircuitBreaker") or {}
        if breaker.get("enable") is not True or breaker.get("rollback") is not True:
            yield Violation(rule, service.label, "has no deployment circuit breaker with rollback")
        minimum = service.inputs.get("deploymentMinimumHealthyPercent")
        maximum = service.inputs.get("deploymentMaximumPercent")
        # Numbers arrive as floats through the mocks' protobuf structs.
        if not isinstance(minimum, int | float) or minimum < 100:
            yield Violation(rule, service.label, f"deploymentMinimumHealthyPercent is {minimum}: deploys drop capacity")
        if not isinstance(maximum, int | float) or maximum <= 100:
            yield Violation(rule, service.label, f"deploymentMaximumPercent is {maximum}: no room to start new tasks")
        if service.inputs.get("loadBalancers") and not service.inputs.get("healthCheckGracePeriodSeconds"):
            yield Violation(rule, service.label, "sits behind a load balancer without a health check grace period")


def _containers(task_definition: RecordedResource) -> list[dict[str, Any]]:
    raw = task_definition.inputs.get("containerDefinitions") or "[]"
    containers = json.loads(raw) if isinstance(raw, str) else raw
    return [c for c in containers if isinstance(c, dict)]


def graceful_shutdown(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    rule = "graceful-shutdown"
    for task in _of_type(resources, "aws:ecs/taskDefinition:TaskDefinition"):
        for container in _containers(task):
            if container.get("essential", True) and not container.get("stopTimeout"):
                yield Violation(rule, task.label, f"container {container.get('name')!r} has no stopTimeout")
    for group in _of_type(resources, "aws:lb/targetGroup:TargetGroup"):
        if group.inputs.get("deregistrationDelay") is None:
            yield Violation(
                rule, group.label, "leaves deregistration_delay at AWS's 300 s: match it to the app's shutdown bound"
            )


# Environment variable names that hold credentials: they belong in the task's `secrets`.
SECRET_LIKE_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|DSN|DATABASE_URL")
_PARAMETER_ARN = re.compile(r"arn:aws:ssm:[^:]+:\d{12}:parameter/.+")


def secrets_via_parameters(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    rule = "secrets-via-parameters"
    parameters = _of_type(resources, "aws:ssm/parameter:Parameter")
    for parameter in parameters:
        if parameter.inputs.get("type") != "SecureString":
            yield Violation(rule, parameter.label, f"is a {parameter.inputs.get('type')}, not a SecureString")
        if not parameter.inputs.get("keyId"):
            yield Violation(rule, parameter.label, "is not encrypted with the environment's KMS key (key_id)")
    names = {str(p.inputs.get("name", "")).lstrip("/") for p in parameters}
    for task in _of_type(resources, "aws:ecs/taskDefinition:TaskDefinition"):
        for container in _containers(task):
            for variable in container.get("environment") or []:
                if SECRET_LIKE_NAME.search(str(variable.get("name", "")).upper()):
                    yield Violation(
                        rule,
                        task.label,
                        f"passes {variable.get('name')!r} as a plain environment value: use the task's secrets",
                    )
            for secret in container.get("secrets") or []:
                source = str(secret.get("valueFrom", ""))
                if not _PARAMETER_ARN.fullmatch(source):
                    yield Violation(rule, task.label, f"secret {secret.get('name')!r} is not an SSM parameter ARN")
                elif source.split(":parameter/", 1)[1] not in names:
                    yield Violation(
                        rule, task.label, f"secret {secret.get('name')!r} reads {source}, not a parameter of this stack"
                    )


def secrets_scoped(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    """An execution role may read exactly the parameters its task definitions name."""
    rule = "secrets-scoped"
    roles_by_arn = {r.state.get("arn"): r for r in _of_type(resources, "aws:iam/role:Role")}
    policies = _of_type(resources, "aws:iam/rolePolicy:RolePolicy")
    allowed: dict[str, set[str]] = {}
    for task in _of_type(resources, "aws:ecs/taskDefinition:TaskDefinition"):
        role = roles_by_arn.get(task.inputs.get("executionRoleArn"))
        if role is None:
            continue
        sources = {str(s.get("valueFrom")) for c in _containers(task) for s in c.get("secrets") or []}
        allowed.setdefault(str(role.inputs.get("name")), set()).update(sources)
    for policy in policies:
        role_name = str(policy.inputs.get("role"))
        if role_name not in allowed:
            continue  # not an execution role
        for statement in _statements(policy.inputs.get("policy")):
            actions = [str(a) for a in _as_list(statement.get("Action", []))]
            targets = [str(r) for r in _as_list(statement.get("Resource", []))]
            if statement.get("Effect") != "Allow":
                continue
            if any(a.startswith("ssm:") for a in actions):
                extra = set(targets) - allowed[role_name]
                if extra:
                    yield Violation(
                        rule, policy.label, f"lets {role_name} read parameters it does not use: {sorted(extra)}"
                    )
            if any(a in ("kms:Decrypt", "kms:*") for a in actions):
                via = ((statement.get("Condition") or {}).get("StringEquals") or {}).get("kms:ViaService", "")
                if "*" in targets or not str(via).startswith("ssm."):
                    yield Violation(rule, policy.label, "lets the execution role decrypt outside SSM or with any key")


def _alarm_metrics(alarm: RecordedResource) -> list[tuple[str, str, dict[str, Any], str]]:
    """(namespace, metric name, dimensions, statistic) of each metric an alarm watches."""
    inputs = alarm.inputs
    if inputs.get("metricName"):
        stat = str(inputs.get("extendedStatistic") or inputs.get("statistic") or "")
        return [(str(inputs.get("namespace")), str(inputs["metricName"]), dict(inputs.get("dimensions") or {}), stat)]
    found = []
    for query in inputs.get("metricQueries") or []:
        metric = query.get("metric") or {}
        if metric.get("metricName"):
            found.append(
                (
                    str(metric.get("namespace")),
                    str(metric["metricName"]),
                    dict(metric.get("dimensions") or {}),
                    str(metric.get("stat", "")),
                )
            )
    return found


def alarms_per_signal(resources: Sequence[RecordedResource], context: PolicyContext) -> Iterable[Violation]:
    """Every ECS service is alarmed on CPU and memory, every load-balanced target group on
    its 5xx rate and p99 response time, every work queue on its oldest message's age and
    every dead-letter queue on visible messages; every alarm notifies someone."""
    rule = "alarms-per-signal"
    if not context.require_alarms:
        return
    alarms = _of_type(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")
    watched: set[tuple[str, str, str]] = set()
    for alarm in alarms:
        if not alarm.inputs.get("alarmActions"):
            yield Violation(rule, alarm.label, "notifies no one: set alarm_actions to the service's SNS topic")
            continue
        for _namespace, metric, dimensions, stat in _alarm_metrics(alarm):
            for key, value in dimensions.items():
                watched.add((metric if stat != "p99" else f"{metric}:p99", key, str(value)))

    def missing(signal: str, key: str, value: Any) -> bool:
        return (signal, key, str(value)) not in watched

    services = _of_type(resources, "aws:ecs/service:Service")
    target_groups = {g.state.get("arn"): g for g in _of_type(resources, "aws:lb/targetGroup:TargetGroup")}
    for service in services:
        name = service.inputs.get("name")
        for signal in ("CPUUtilization", "MemoryUtilization"):
            if missing(signal, "ServiceName", name):
                yield Violation(rule, service.label, f"has no {signal} alarm")
        for attachment in service.inputs.get("loadBalancers") or []:
            group = target_groups.get(attachment.get("targetGroupArn"))
            if group is None:
                continue
            suffix = group.state.get("arnSuffix")
            if missing("HTTPCode_Target_5XX_Count", "TargetGroup", suffix):
                yield Violation(rule, group.label, "has no 5xx rate alarm")
            if missing("TargetResponseTime:p99", "TargetGroup", suffix):
                yield Violation(rule, group.label, "has no p99 response time alarm")
    if not services:
        return  # queues without a consumer in this stack (a component under test)
    queues = _of_type(resources, "aws:sqs/queue:Queue")
    for queue in queues:
        raw = queue.inputs.get("redrivePolicy")
        if not raw:
            continue
        redrive = json.loads(raw) if isinstance(raw, str) else raw
        if missing("ApproximateAgeOfOldestMessage", "QueueName", queue.inputs.get("name")):
            yield Violation(rule, queue.label, "has no oldest-message-age alarm")
        dead_letter = str(redrive.get("deadLetterTargetArn", "")).rsplit(":", 1)[-1]
        if missing("ApproximateNumberOfMessagesVisible", "QueueName", dead_letter):
            yield Violation(rule, queue.label, f"has no alarm on messages in its dead-letter queue {dead_letter!r}")


def vpc_flow_logs(resources: Sequence[RecordedResource], context: PolicyContext) -> Iterable[Violation]:
    logs = _of_type(resources, "aws:ec2/flowLog:FlowLog")
    if context.environment == "shared" and not logs:
        # The foundation owns the network, its own VPC or one it reuses: either way it logs it.
        yield Violation("vpc-flow-logs", "the foundation stack", "records no VPC flow logs")
    for vpc in _of_type(resources, "aws:ec2/vpc:Vpc"):
        mine = [log for log in logs if log.inputs.get("vpcId") == vpc.id]
        if not mine:
            yield Violation("vpc-flow-logs", vpc.label, "has no flow log")
        elif not any(log.inputs.get("trafficType") == "ALL" for log in mine):
            yield Violation("vpc-flow-logs", vpc.label, "logs only part of its traffic: set traffic_type ALL")


# Physical names AWS accepts (checked where a program sets one; autonamed ones are Pulumi's).
_VALID_NAMES: dict[str, tuple[str, re.Pattern[str], str]] = {
    "aws:s3/bucket:Bucket": (
        "bucket",
        re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"),
        "3-63 lowercase letters, digits, '.' or '-' (no '_')",
    ),
    "aws:sqs/queue:Queue": ("name", re.compile(r"[A-Za-z0-9_-]{1,80}(\.fifo)?"), "1-80 letters, digits, '_' or '-'"),
    "aws:iam/role:Role": ("name", re.compile(r"[\w+=,.@-]{1,64}"), "1-64 letters, digits or +=,.@_-"),
    "aws:lb/loadBalancer:LoadBalancer": (
        "name",
        re.compile(r"(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?"),
        "1-32 letters, digits or '-'",
    ),
    "aws:lb/targetGroup:TargetGroup": (
        "name",
        re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?"),
        "1-32 letters, digits or '-'",
    ),
    "aws:ecs/service:Service": (
        "name",
        re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}"),
        "1-255 letters, digits, '_' or '-'",
    ),
}


def aws_names_valid(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    """A name AWS would refuse fails the deploy halfway; catch it before (e.g. '_' in a bucket)."""
    for resource in resources:
        if resource.type not in _VALID_NAMES:
            continue
        field_name, pattern, form = _VALID_NAMES[resource.type]
        value = resource.inputs.get(field_name)
        if isinstance(value, str) and not pattern.fullmatch(value):
            yield Violation("aws-names-valid", resource.label, f"name {value!r} is not one AWS accepts: use {form}")


_LONG_LIVED_CREDENTIALS = (
    "aws:iam/user:User",
    "aws:iam/accessKey:AccessKey",
    "aws:iam/userLoginProfile:UserLoginProfile",
)


def no_iam_users(resources: Sequence[RecordedResource], _: PolicyContext) -> Iterable[Violation]:
    """CI and services assume roles (OIDC, task roles); a user means static keys somewhere."""
    for resource in resources:
        if resource.type in _LONG_LIVED_CREDENTIALS:
            yield Violation("no-iam-users", resource.label, "IAM users and access keys are not allowed: assume a role")


RULES: tuple[Rule, ...] = (
    s3_public_access_blocked,
    s3_encrypted,
    sqs_encrypted,
    sqs_dead_letter_queue,
    log_retention,
    no_public_ip_in_prod,
    ecs_capacity_exclusive,
    tags_required,
    oidc_trust_pinned,
    iam_no_admin,
    roles_have_boundary,
    ecs_safe_rollouts,
    graceful_shutdown,
    secrets_via_parameters,
    secrets_scoped,
    alarms_per_signal,
    vpc_flow_logs,
    aws_names_valid,
    no_iam_users,
)


def evaluate(resources: Sequence[RecordedResource], context: PolicyContext) -> list[Violation]:
    return [violation for rule in (*RULES, *context.extra_rules) for violation in rule(resources, context)]


def enforce(resources: Sequence[RecordedResource], context: PolicyContext) -> None:
    violations = evaluate(resources, context)
    if violations:
        raise PolicyViolationError(violations)
