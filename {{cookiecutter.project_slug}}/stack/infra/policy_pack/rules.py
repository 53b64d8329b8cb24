"""The rules every stack's resource graph must satisfy: one rule set, two runners.

Each rule reads ``Resource`` views (type, name, the properties the program gave
pulumi_aws, and which resources each property was computed from) and yields one
``Violation`` per problem. ``stack.infra.policy_pack.pack`` turns every rule into a
CrossGuard stack policy, which ``pulumi preview``/``pulumi up --policy-pack`` run on the
real resource graph; ``stack.infra.policy`` runs the same policies on what a mocked run
recorded. Cross-references (a bucket's access block, a flow log's VPC, an alarm's target
group) follow property dependencies, which are known in a preview, not ids or ARNs, which
are not yet.
"""

import importlib
import inspect
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from stack.infra.conventions import REQUIRED_TAGS

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
_PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}


@dataclass(frozen=True)
class Resource:
    """What a rule sees of one resource, in a preview, an update or a mocked run.

    ``inputs`` are the resource's properties in Pulumi's camelCase names;
    ``property_urns`` names, per property, the URNs of the resources its value came from.
    """

    type: str
    name: str
    urn: str
    inputs: Mapping[str, Any]
    parent_urn: str = ""
    property_urns: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.type} {self.name!r}"

    def refers(self, prop: str, other: "Resource") -> bool:
        """Whether property ``prop`` was computed from ``other`` (e.g. ``bucket=bucket.id``)."""
        return other.urn in self.property_urns.get(prop, ())


@dataclass(frozen=True)
class Violation:
    rule: str
    resource: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.resource}: {self.message}"


@dataclass(frozen=True)
class PolicyContext:
    """What the rules need to know about the stack they check.

    ``environment`` is the value every resource's ``environment`` tag must have ("test",
    "prod", "preview", or "shared" for the foundation). ``github_subjects`` are the only
    prefixes an OIDC trust policy's ``sub`` condition may start with. At deploy time the
    pack derives all of it from the stack (see pack.deploy_context).
    """

    environment: str
    github_subjects: tuple[str, ...] = ()
    require_permissions_boundary: bool = False
    # Off only in unit tests of one component (a bare queue has no one to page).
    require_alarms: bool = True
    extra_rules: tuple["Rule", ...] = field(default=())

    def as_config(self) -> dict[str, Any]:
        """The context as CrossGuard policy configuration (``--policy-pack-config``)."""
        return {
            "environment": self.environment,
            "githubSubjects": list(self.github_subjects),
            "requirePermissionsBoundary": self.require_permissions_boundary,
            "requireAlarms": self.require_alarms,
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "PolicyContext":
        return cls(
            environment=str(config["environment"]),
            github_subjects=tuple(config.get("githubSubjects") or ()),
            require_permissions_boundary=bool(config.get("requirePermissionsBoundary", False)),
            require_alarms=bool(config.get("requireAlarms", True)),
        )


Rule = Callable[[Sequence[Resource], PolicyContext], Iterable[Violation]]


def _of_type(resources: Sequence[Resource], type_token: str) -> list[Resource]:
    return [r for r in resources if r.type == type_token]


def _targets(resources: Sequence[Resource], type_token: str, bucket: Resource) -> list[Resource]:
    return [
        r
        for r in _of_type(resources, type_token)
        if r.refers("bucket", bucket) or r.inputs.get("bucket") == bucket.inputs.get("bucket")
    ]


def s3_public_access_blocked(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
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


def s3_encrypted(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
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


def sqs_encrypted(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
    for queue in _of_type(resources, "aws:sqs/queue:Queue"):
        if queue.inputs.get("sqsManagedSseEnabled") is not True and not queue.inputs.get("kmsMasterKeyId"):
            yield Violation("sqs-encrypted", queue.label, "sets neither sqs_managed_sse_enabled nor kms_master_key_id")


def sqs_dead_letter_queue(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
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


def log_retention(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
    for group in _of_type(resources, "aws:cloudwatch/logGroup:LogGroup"):
        days = group.inputs.get("retentionInDays")
        if not days or days <= 0:
            yield Violation("log-retention", group.label, "keeps logs forever: set retention_in_days")


def no_public_ip_in_prod(resources: Sequence[Resource], context: PolicyContext) -> Iterable[Violation]:
    if context.environment != "prod":
        return
    for service in _of_type(resources, "aws:ecs/service:Service"):
        network = service.inputs.get("networkConfiguration") or {}
        if network.get("assignPublicIp") is True:
            yield Violation("no-public-ip-in-prod", service.label, "gives its prod tasks public IP addresses")


def ecs_capacity_exclusive(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
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


def tags_required(resources: Sequence[Resource], context: PolicyContext) -> Iterable[Violation]:
    for resource in resources:
        if not _is_taggable(resource.type):
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


def _statements(document: Any) -> list[Mapping[str, Any]]:
    parsed = json.loads(document) if isinstance(document, str) else document
    statements = (parsed or {}).get("Statement", [])
    return _as_list(statements)


def _as_list(value: Any) -> list[Any]:
    """A list of a value that may be one item or a sequence (CrossGuard's are not lists)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return [value]


def oidc_trust_pinned(resources: Sequence[Resource], context: PolicyContext) -> Iterable[Violation]:
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


def _policy_documents(resource: Resource) -> list[Any]:
    if resource.type in ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"):
        return [resource.inputs.get("policy")]
    if resource.type == "aws:iam/role:Role":
        return [p.get("policy") for p in resource.inputs.get("inlinePolicies", []) or []]
    return []


def iam_no_admin(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
    for resource in resources:
        for document in _policy_documents(resource):
            for statement in _statements(document):
                if statement.get("Effect") != "Allow":
                    continue
                actions = [str(a) for a in _as_list(statement.get("Action", []))]
                broad = [a for a in actions if a == "*" or a.startswith("iam:*")]
                if broad and "*" in _as_list(statement.get("Resource", [])):
                    yield Violation("iam-no-admin", resource.label, f"allows {broad} on every resource")


def roles_have_boundary(resources: Sequence[Resource], context: PolicyContext) -> Iterable[Violation]:
    if not context.require_permissions_boundary:
        return
    for role in _of_type(resources, "aws:iam/role:Role"):
        if not role.inputs.get("permissionsBoundary"):
            yield Violation("roles-have-boundary", role.label, "has no permissions boundary")


def ecs_safe_rollouts(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
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


def _containers(task_definition: Resource) -> list[Mapping[str, Any]]:
    raw = task_definition.inputs.get("containerDefinitions") or "[]"
    containers = json.loads(raw) if isinstance(raw, str) else raw
    return [c for c in containers if isinstance(c, Mapping)]


def graceful_shutdown(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
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
# The password key of the secret RDS keeps a managed master password in.
_RDS_PASSWORD = re.compile(r"(arn:aws:secretsmanager:[^:]+:\d{12}:secret:rds!.+):password::")


def _rds_secret_arns(resources: Sequence[Resource]) -> set[str]:
    """The secrets of this stack's RDS instances whose master password RDS manages (known
    after a deploy or under mocks; a preview of a new instance cannot know them yet)."""
    found = set()
    for instance in _of_type(resources, "aws:rds/instance:Instance"):
        for secret in instance.inputs.get("masterUserSecrets") or []:
            found.add(str(secret.get("secretArn", "")))
    return found


def secrets_via_parameters(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
    rule = "secrets-via-parameters"
    parameters = _of_type(resources, "aws:ssm/parameter:Parameter")
    for parameter in parameters:
        if parameter.inputs.get("type") != "SecureString":
            yield Violation(rule, parameter.label, f"is a {parameter.inputs.get('type')}, not a SecureString")
        if not parameter.inputs.get("keyId"):
            yield Violation(rule, parameter.label, "is not encrypted with the environment's KMS key (key_id)")
    names = {str(p.inputs.get("name", "")).lstrip("/") for p in parameters}
    database_secrets = _rds_secret_arns(resources)
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
                database_password = _RDS_PASSWORD.fullmatch(source)
                if database_password:
                    if database_secrets and database_password.group(1) not in database_secrets:
                        yield Violation(
                            rule,
                            task.label,
                            f"secret {secret.get('name')!r} reads {source}, not a database of this stack",
                        )
                elif not _PARAMETER_ARN.fullmatch(source):
                    yield Violation(rule, task.label, f"secret {secret.get('name')!r} is not an SSM parameter ARN")
                elif source.split(":parameter/", 1)[1] not in names:
                    yield Violation(
                        rule, task.label, f"secret {secret.get('name')!r} reads {source}, not a parameter of this stack"
                    )


def secrets_scoped(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
    """An execution role may read exactly the parameters its task definitions name."""
    rule = "secrets-scoped"
    roles = _of_type(resources, "aws:iam/role:Role")
    policies = _of_type(resources, "aws:iam/rolePolicy:RolePolicy")
    allowed: dict[str, set[str]] = {}
    for task in _of_type(resources, "aws:ecs/taskDefinition:TaskDefinition"):
        for execution_role in (r for r in roles if task.refers("executionRoleArn", r)):
            sources = {str(s.get("valueFrom")) for c in _containers(task) for s in c.get("secrets") or []}
            # A Secrets Manager secret is read whole; ECS picks the JSON key ("arn:password::").
            sources |= {match.group(1) for match in map(_RDS_PASSWORD.fullmatch, sources) if match}
            allowed.setdefault(execution_role.urn, set()).update(sources)
    for policy in policies:
        role: Resource | None = next((r for r in roles if policy.refers("role", r) and r.urn in allowed), None)
        if role is None:
            continue  # not an execution role
        role_name = str(role.inputs.get("name"))
        for statement in _statements(policy.inputs.get("policy")):
            actions = [str(a) for a in _as_list(statement.get("Action", []))]
            targets = [str(r) for r in _as_list(statement.get("Resource", []))]
            if statement.get("Effect") != "Allow":
                continue
            if any(a.startswith(("ssm:", "secretsmanager:")) for a in actions):
                extra = set(targets) - allowed[role.urn]
                if extra:
                    yield Violation(
                        rule, policy.label, f"lets {role_name} read parameters it does not use: {sorted(extra)}"
                    )
            if any(a in ("kms:Decrypt", "kms:*") for a in actions):
                via = ((statement.get("Condition") or {}).get("StringEquals") or {}).get("kms:ViaService", "")
                if "*" in targets or not str(via).startswith("ssm."):
                    yield Violation(rule, policy.label, "lets the execution role decrypt outside SSM or with any key")


def _alarm_metrics(alarm: Resource, *, literal: bool) -> list[tuple[str, str, Mapping[str, Any], str]]:
    """(namespace, metric name, dimensions, statistic) of each metric an alarm watches.
    Dimensions are read only when ``literal`` (computed ones may be unknown in a preview)."""
    inputs = alarm.inputs

    def dimensions_of(holder: Mapping[str, Any]) -> Mapping[str, Any]:
        return dict(holder.get("dimensions") or {}) if literal else {}

    if inputs.get("metricName"):
        stat = str(inputs.get("extendedStatistic") or inputs.get("statistic") or "")
        return [(str(inputs.get("namespace")), str(inputs["metricName"]), dimensions_of(inputs), stat)]
    found = []
    for query in inputs.get("metricQueries") or []:
        metric = query.get("metric") or {}
        if metric.get("metricName"):
            found.append(
                (
                    str(metric.get("namespace")),
                    str(metric["metricName"]),
                    dimensions_of(metric),
                    str(metric.get("stat", "")),
                )
            )
    return found


def alarms_per_signal(resources: Sequence[Resource], context: PolicyContext) -> Iterable[Violation]:
    """Every ECS service is alarmed on CPU and memory, every load-balanced target group on
    its 5xx rate and p99 response time, every work queue on its oldest message's age and
    every dead-letter queue on visible messages; every alarm notifies someone."""
    rule = "alarms-per-signal"
    if not context.require_alarms:
        return
    alarms = _of_type(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")
    # (signal, what it watches): a watched resource's URN when the dimensions were computed
    # from it (as every component's are), else the literal dimension value.
    watched: set[tuple[str, str]] = set()
    for alarm in alarms:
        if not alarm.inputs.get("alarmActions"):
            yield Violation(rule, alarm.label, "notifies no one: set alarm_actions to the service's SNS topic")
            continue
        sources = alarm.property_urns.get("dimensions", frozenset()) | alarm.property_urns.get(
            "metricQueries", frozenset()
        )
        for _namespace, metric, dimensions, stat in _alarm_metrics(alarm, literal=not sources):
            signal = metric if stat != "p99" else f"{metric}:p99"
            watched.update((signal, urn) for urn in sources)
            watched.update((signal, str(value)) for value in dimensions.values())

    def missing(signal: str, resource: Resource, literal: Any) -> bool:
        return (signal, resource.urn) not in watched and (signal, str(literal)) not in watched

    services = _of_type(resources, "aws:ecs/service:Service")
    target_groups = _of_type(resources, "aws:lb/targetGroup:TargetGroup")
    for service in services:
        for signal in ("CPUUtilization", "MemoryUtilization"):
            if missing(signal, service, service.inputs.get("name")):
                yield Violation(rule, service.label, f"has no {signal} alarm")
        for group in (g for g in target_groups if service.refers("loadBalancers", g)):
            if missing("HTTPCode_Target_5XX_Count", group, None):
                yield Violation(rule, group.label, "has no 5xx rate alarm")
            if missing("TargetResponseTime:p99", group, None):
                yield Violation(rule, group.label, "has no p99 response time alarm")
    if not services:
        return  # queues without a consumer in this stack (a component under test)
    queues = _of_type(resources, "aws:sqs/queue:Queue")
    for queue in queues:
        if not queue.inputs.get("redrivePolicy"):
            continue
        if missing("ApproximateAgeOfOldestMessage", queue, queue.inputs.get("name")):
            yield Violation(rule, queue.label, "has no oldest-message-age alarm")
        for dead_letter in (q for q in queues if queue.refers("redrivePolicy", q)):
            if missing("ApproximateNumberOfMessagesVisible", dead_letter, dead_letter.inputs.get("name")):
                yield Violation(
                    rule,
                    queue.label,
                    f"has no alarm on messages in its dead-letter queue {dead_letter.inputs.get('name')!r}",
                )


def vpc_flow_logs(resources: Sequence[Resource], context: PolicyContext) -> Iterable[Violation]:
    logs = _of_type(resources, "aws:ec2/flowLog:FlowLog")
    if context.environment == "shared" and not logs:
        # The foundation owns the network, its own VPC or one it reuses: either way it logs it.
        yield Violation("vpc-flow-logs", "the foundation stack", "records no VPC flow logs")
    for vpc in _of_type(resources, "aws:ec2/vpc:Vpc"):
        mine = [log for log in logs if log.refers("vpcId", vpc)]
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


def aws_names_valid(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
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


def no_iam_users(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
    """CI and services assume roles (OIDC, task roles); a user means static keys somewhere."""
    for resource in resources:
        if resource.type in _LONG_LIVED_CREDENTIALS:
            yield Violation("no-iam-users", resource.label, "IAM users and access keys are not allowed: assume a role")


# ELB security policies that offer TLS 1.3 and nothing older than TLS 1.2.
TLS_POLICIES = frozenset(
    {
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
    }
)
# What a prod stack without HTTPS must set (service_stack.load_config reads them).
HTTPS_SETTINGS = (
    "set certificateArn (an ACM certificate in the stack's region) or domain: {name, hostedZoneId} "
    "(the stack requests the certificate and validates it in Route 53) in Pulumi.prod.yaml"
)


def _has(properties: Mapping[str, Any], key: str) -> bool:
    """Whether a property is set, without reading it (a value unknown in a preview raises)."""
    return key in list(properties)


def _listeners_of(resources: Sequence[Resource], balancer: Resource) -> list[Resource]:
    return [r for r in _of_type(resources, "aws:lb/listener:Listener") if r.refers("loadBalancerArn", balancer)]


def _redirects_to_https(listener: Resource) -> bool:
    actions = _as_list(listener.inputs.get("defaultActions") or [])
    return bool(actions) and all(
        a.get("type") == "redirect" and (a.get("redirect") or {}).get("protocol") == "HTTPS" for a in actions
    )


def _public_balancers(resources: Sequence[Resource]) -> list[Resource]:
    return [
        r
        for r in _of_type(resources, "aws:lb/loadBalancer:LoadBalancer")
        if r.inputs.get("internal") is not True and r.inputs.get("loadBalancerType", "application") == "application"
    ]


def https_listeners(resources: Sequence[Resource], context: PolicyContext) -> Iterable[Violation]:
    """HTTPS listeners offer TLS 1.2 and 1.3 only; in prod an internet-facing load balancer
    serves HTTPS with a certificate and its plain HTTP listener only redirects there."""
    rule = "https-listeners"
    listeners = _of_type(resources, "aws:lb/listener:Listener")
    for listener in listeners:
        if listener.inputs.get("protocol") == "HTTPS" and listener.inputs.get("sslPolicy") not in TLS_POLICIES:
            yield Violation(
                rule,
                listener.label,
                f"uses TLS policy {listener.inputs.get('sslPolicy')!r}: use ELBSecurityPolicy-TLS13-1-2-2021-06",
            )
    if context.environment != "prod":
        return  # test and preview stacks may serve plain HTTP (docs/operations.md)
    for balancer in _public_balancers(resources):
        mine = _listeners_of(resources, balancer)
        secure = [r for r in mine if r.inputs.get("protocol") == "HTTPS" and _has(r.inputs, "certificateArn")]
        if not secure:
            yield Violation(rule, balancer.label, f"serves prod traffic without HTTPS: {HTTPS_SETTINGS}")
        for listener in mine:
            if listener.inputs.get("protocol") == "HTTP" and not _redirects_to_https(listener):
                yield Violation(
                    rule, listener.label, "serves plain HTTP in prod: its only action must redirect to HTTPS"
                )
    for listener_rule in _of_type(resources, "aws:lb/listenerRule:ListenerRule"):
        http = [r for r in listeners if listener_rule.refers("listenerArn", r) and r.inputs.get("protocol") == "HTTP"]
        if http:
            yield Violation(
                rule, listener_rule.label, "routes plain HTTP traffic in prod: attach it to the HTTPS listener"
            )


def load_balancer_logs_and_protection(resources: Sequence[Resource], context: PolicyContext) -> Iterable[Violation]:
    """Every load balancer writes access logs; prod ones cannot be deleted by accident."""
    rule = "load-balancer-logs-and-protection"
    for balancer in _of_type(resources, "aws:lb/loadBalancer:LoadBalancer"):
        logs = balancer.inputs.get("accessLogs") or {}
        if logs.get("enabled") is not True or not logs.get("bucket"):
            yield Violation(rule, balancer.label, "writes no access logs: set access_logs to the stack's log bucket")
        if context.environment == "prod" and balancer.inputs.get("enableDeletionProtection") is not True:
            yield Violation(rule, balancer.label, "is a prod load balancer without deletion protection")


def _task_security_groups(resources: Sequence[Resource]) -> list[Resource]:
    services = _of_type(resources, "aws:ecs/service:Service")
    return [
        group
        for group in _of_type(resources, "aws:ec2/securityGroup:SecurityGroup")
        if any(service.refers("networkConfiguration", group) for service in services)
    ]


def task_egress_https_only(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
    """Tasks reach AWS APIs and the internet on 443 only; other ports only to a named
    security group (a database's). The default allow-all egress is removed by the provider,
    so the egress rules below are all a task may send."""
    rule = "task-egress-https-only"
    rules = _of_type(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    for group in _task_security_groups(resources):
        for inline in _as_list(group.inputs.get("egress") or []):
            yield Violation(rule, group.label, f"has an inline egress rule {dict(inline)}: use SecurityGroupEgressRule")
        for egress in (r for r in rules if r.refers("securityGroupId", group)):
            if egress.property_urns.get("referencedSecurityGroupId") or _has(
                egress.inputs, "referencedSecurityGroupId"
            ):
                continue
            ports = (egress.inputs.get("ipProtocol"), egress.inputs.get("fromPort"), egress.inputs.get("toPort"))
            if ports != ("tcp", 443, 443):
                yield Violation(
                    rule,
                    egress.label,
                    f"lets tasks send {ports[0]} on ports {ports[1]}-{ports[2]} to an address range: only tcp 443",
                )


def task_queues_scoped(resources: Sequence[Resource], _: PolicyContext) -> Iterable[Violation]:
    """A task role names each queue it may touch (no wildcard), and of another stack's queue
    (a module it uses) it may only send: never read, delete or purge another module's work."""
    rule = "task-queues-scoped"
    roles = _of_type(resources, "aws:iam/role:Role")
    task_roles = {
        role.urn
        for task in _of_type(resources, "aws:ecs/taskDefinition:TaskDefinition")
        for role in roles
        if task.refers("taskRoleArn", role)
    }
    own_queues = {str(q.inputs.get("name")) for q in _of_type(resources, "aws:sqs/queue:Queue")}
    for policy in _of_type(resources, "aws:iam/rolePolicy:RolePolicy"):
        if not any(policy.refers("role", r) for r in roles if r.urn in task_roles):
            continue
        for statement in _statements(policy.inputs.get("policy")):
            actions = [str(a) for a in _as_list(statement.get("Action", []))]
            queue_actions = sorted(a for a in actions if a == "*" or a.lower().startswith("sqs:"))
            if statement.get("Effect") != "Allow" or not queue_actions:
                continue
            for arn in map(str, _as_list(statement.get("Resource", []))):
                if "*" in arn or "?" in arn:
                    yield Violation(rule, policy.label, f"grants {queue_actions} on {arn!r}: name each queue")
                elif arn.split(":", 5)[-1] not in own_queues:
                    extra = [a for a in queue_actions if a != "sqs:SendMessage"]
                    if extra:
                        yield Violation(
                            rule,
                            policy.label,
                            f"grants {extra} on {arn}, another module's queue: a module that uses it may only "
                            "send to it (sqs:SendMessage)",
                        )


def databases_protected(resources: Sequence[Resource], context: PolicyContext) -> Iterable[Violation]:
    """A database is never public, its storage is encrypted with a KMS key, RDS keeps its
    master password (none in the program or its state), it keeps automated backups (7 days
    or more in prod), and a prod database is Multi-AZ, deletion-protected and leaves a final
    snapshot."""
    rule = "databases-protected"
    for database in _of_type(resources, "aws:rds/instance:Instance") + _of_type(resources, "aws:rds/cluster:Cluster"):
        inputs, label = database.inputs, database.label
        if inputs.get("publiclyAccessible") is True:
            yield Violation(rule, label, "is publicly accessible: databases live in private subnets only")
        if inputs.get("storageEncrypted") is not True or not _has(inputs, "kmsKeyId"):
            yield Violation(rule, label, "does not encrypt its storage with a KMS key (storage_encrypted, kms_key_id)")
        if (
            _has(inputs, "password")
            or _has(inputs, "masterPassword")
            or inputs.get("manageMasterUserPassword") is not True
        ):
            yield Violation(rule, label, "has a master password in the program: set manage_master_user_password")
        retention = int(inputs.get("backupRetentionPeriod") or 0)
        least = 7 if context.environment == "prod" else 1
        if retention < least:
            yield Violation(rule, label, f"keeps {retention} days of automated backups, fewer than {least}")
        if context.environment == "prod":
            if inputs.get("deletionProtection") is not True:
                yield Violation(rule, label, "is a prod database without deletion protection")
            if inputs.get("skipFinalSnapshot") is not False:
                yield Violation(rule, label, "is a prod database that leaves no final snapshot when deleted")
            if database.type == "aws:rds/instance:Instance" and inputs.get("multiAz") is not True:
                yield Violation(rule, label, "is a prod database in one availability zone (multi_az)")


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
    https_listeners,
    load_balancer_logs_and_protection,
    task_egress_https_only,
    task_queues_scoped,
    databases_protected,
)
