"""The rules as a Pulumi CrossGuard policy pack: one stack validation policy per rule.

``pulumi preview``/``pulumi up --policy-pack stack/infra/policy_pack`` run ``__main__.py``,
which serves ``POLICIES``; the mock tests run the very same ``POLICIES`` through
``stack.infra.policy``. A policy's context (environment, trusted GitHub subjects) comes
from its configuration when one is given (``--policy-pack-config``, or the mock tests),
otherwise from the stack being deployed.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from stack.infra.conventions import (
    FOUNDATION_PROJECT,
    FOUNDATION_STACK,
    GITHUB_OWNER,
    GITHUB_REPOSITORY,
    PROJECT_SLUG,
    Environment,
)
from stack.infra.policy_pack.rules import RULES, PolicyContext, Resource, Rule, Violation

PACK_NAME = f"{PROJECT_SLUG}-policies"

# What each rule protects, shown by `pulumi preview` next to each violation.
DESCRIPTIONS: Mapping[str, str] = {
    "s3-public-access-blocked": "S3 buckets block every form of public access.",
    "s3-encrypted": "S3 buckets encrypt objects by default.",
    "sqs-encrypted": "SQS queues are encrypted at rest.",
    "sqs-dead-letter-queue": "Work queues move poison messages to a dead-letter queue of the stack.",
    "log-retention": "Log groups expire their logs.",
    "no-public-ip-in-prod": "Prod tasks run without public IP addresses.",
    "ecs-capacity-exclusive": "ECS services set a launch type or capacity providers, not both.",
    "tags-required": "Taggable resources carry the project, environment, stack and managed-by tags.",
    "oidc-trust-pinned": "GitHub OIDC roles trust exact subjects of this repository only.",
    "iam-no-admin": "No policy allows every action on every resource.",
    "roles-have-boundary": "Service roles carry the environment's permissions boundary.",
    "ecs-safe-rollouts": "ECS deployments keep capacity and roll back on failure.",
    "graceful-shutdown": "Tasks and target groups give in-flight work time to finish.",
    "secrets-via-parameters": "Secrets reach tasks from this stack's SecureString parameters only.",
    "secrets-scoped": "Execution roles read only the parameters their tasks name.",
    "alarms-per-signal": "Every service, target group and queue signal has an alarm that notifies someone.",
    "vpc-flow-logs": "VPCs log all their traffic.",
    "aws-names-valid": "Physical names are ones AWS accepts.",
    "no-iam-users": "No IAM users or access keys: roles only.",
    "https-listeners": "TLS 1.2+ only; prod load balancers serve HTTPS and plain HTTP only redirects.",
    "load-balancer-logs-and-protection": "Load balancers write access logs; prod ones have deletion protection.",
    "task-egress-https-only": "Task security groups allow egress on 443 only (other ports to named groups).",
    "task-queues-scoped": "Task roles name their queues; of another module's queue they may only send.",
    "databases-protected": "Databases are private, encrypted, backed up, with RDS-kept passwords; prod ones protected.",
}

_CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "environment": {"type": "string", "enum": ["test", "prod", "preview", "shared"]},
        "githubSubjects": {"type": "array", "items": {"type": "string"}},
        "requirePermissionsBoundary": {"type": "boolean"},
        "requireAlarms": {"type": "boolean"},
    }
)


def rule_name(rule: Rule) -> str:
    return rule.__name__.replace("_", "-")


def deploy_context(stack: str) -> PolicyContext:
    """What the rules check on a real deploy of ``stack``: the foundation ("shared") or a
    service stack (test, prod, preview-<pr>), whose roles must carry the boundary."""
    subjects = [f"repo:{GITHUB_OWNER}/{GITHUB_REPOSITORY}:"]
    foundation = pulumi.Config(FOUNDATION_PROJECT)
    owner_id, repository_id = foundation.get("githubRepositoryOwnerId"), foundation.get("githubRepositoryId")
    if owner_id and repository_id:
        subjects.append(f"repository_owner_id:{owner_id}:repository_id:{repository_id}:")
    if stack == FOUNDATION_STACK:
        return PolicyContext(environment="shared", github_subjects=tuple(subjects))
    environment = Environment.from_stack(stack)
    return PolicyContext(
        environment=environment.name, github_subjects=tuple(subjects), require_permissions_boundary=True
    )


def resource_views(resources: Sequence[PolicyResource]) -> list[Resource]:
    return [
        Resource(
            type=r.resource_type,
            name=r.name,
            urn=r.urn,
            inputs=r.props,
            parent_urn=r.parent.urn if r.parent else "",
            property_urns={key: frozenset(d.urn for d in deps) for key, deps in r.property_dependencies.items()},
        )
        for r in resources
    ]


def report(violations: Sequence[Violation], views: Sequence[Resource], report_violation: ReportViolation) -> None:
    urns: dict[str, str] = {}
    for view in views:
        urns.setdefault(view.label, view.urn)
    for violation in violations:
        report_violation(str(violation), urns.get(violation.resource))


def stack_policy(rule: Rule) -> StackValidationPolicy:
    name = rule_name(rule)

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        config: Mapping[str, Any] = args.get_config()
        context = PolicyContext.from_config(config) if config.get("environment") else deploy_context(pulumi.get_stack())
        views = resource_views(args.resources)
        report(list(rule(views, context)), views, report_violation)

    return StackValidationPolicy(
        name=name,
        description=DESCRIPTIONS[name],
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
        config_schema=_CONFIG_SCHEMA,
    )


POLICIES: tuple[StackValidationPolicy, ...] = tuple(stack_policy(rule) for rule in RULES)
