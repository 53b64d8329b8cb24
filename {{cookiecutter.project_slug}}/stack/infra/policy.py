"""Rules every stack's resource graph must satisfy, checked in each stack's mock tests.

``evaluate`` runs all rules over the resources a mocked run recorded (see
stack/infra/testing.py) and returns one ``Violation`` per problem, naming the rule and
the resource. ``enforce`` raises with all of them at once. The rules read the inputs the
program gave pulumi_aws, so they check what would be sent to AWS, not the Python code.
"""

import importlib
import inspect
import json
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
            if condition.keys() - {"StringEquals"}:
                yield Violation(
                    rule, role.label, f"uses {sorted(condition.keys() - {'StringEquals'})}: only exact matches allowed"
                )
            subjects = _as_list(equals.get(f"{GITHUB_OIDC_HOST}:sub", []))
            if not subjects:
                yield Violation(rule, role.label, "does not pin the token subject (sub)")
            for subject in subjects:
                if any(ch in str(subject) for ch in "*?"):
                    yield Violation(rule, role.label, f"subject {subject!r} contains a wildcard")
                elif not any(str(subject).startswith(prefix) for prefix in context.github_subjects):
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
)


def evaluate(resources: Sequence[RecordedResource], context: PolicyContext) -> list[Violation]:
    return [violation for rule in (*RULES, *context.extra_rules) for violation in rule(resources, context)]


def enforce(resources: Sequence[RecordedResource], context: PolicyContext) -> None:
    violations = evaluate(resources, context)
    if violations:
        raise PolicyViolationError(violations)
