"""The Pulumi program every service module runs: API service, worker, job queue, bucket.

One program serves every stack; the stack name picks the environment (``test``,
``prod`` or ``preview-<pull request>``, see stack.infra.conventions.Environment). Settings
come from Pulumi.<stack>.yaml over the environment's defaults below; preview stacks have
no settings file and run on the defaults, with the foundation found from the Pulumi
organization. ``imageTag`` and ``imageDigests`` are always required: CI sets them to the
build it just pushed or verified, and every task runs its image by digest
(``<repository>@sha256:...``), never by a tag that could be made to point elsewhere.

A module's ``infrastructure/program.py`` describes the module with a ``ServiceSpec`` (its
queue and the modules it uses come from its ``module.toml``, which the local runtime reads
too) and calls ``deploy``; what every service gets (and what the policy checks) lives here.

A module that uses another (``uses`` in module.toml) reads that module's stack of the same
name (``test``, ``prod``, ``preview-<n>``) through a StackReference: its queue URL reaches
the code as ``<PREFIX>USES_QUEUE_URLS`` and its task roles may send to exactly that queue.
"""

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pulumi
import pulumi_aws as aws

from stack.infra.components import (
    AlarmTarget,
    AlarmThresholds,
    FargateTaskArgs,
    HttpService,
    HttpServiceArgs,
    JobQueue,
    PrivateBucket,
    ServiceDashboard,
    WorkerService,
    WorkerServiceArgs,
)
from stack.infra.components.alarms import queue_alarms
from stack.infra.components.task_roles import TaskPermissions
from stack.infra.conventions import Environment, foundation_stack_reference, service_stack_reference, tags_for
from stack.infra.edge_settings import EdgeSettings, load_edge_settings
from stack.infra.service_database import ModuleDatabase, module_database
from stack.module_toml import ModuleDeclaration

S3_NAME_LIMIT = 63
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def results_bucket_name(prefix: str, account_id: str) -> str:
    """``<prefix>-results-<account>``, globally unique; a prefix too long for S3's 63
    characters (a long project slug on a preview stack) is cut and made unique again with a
    short hash of the whole name."""
    suffix = f"-results-{account_id}"
    name = prefix + suffix
    if len(name) <= S3_NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return prefix[: S3_NAME_LIMIT - len(suffix) - len(digest) - 1].rstrip("-") + "-" + digest + suffix


@dataclass(frozen=True)
class ServiceSpec:
    """What a service module is made of; the rest comes from the stack's settings."""

    name: str
    # Prefix of the settings the code reads, e.g. "REPORTS_" for REPORTS_QUEUE_URL.
    env_prefix: str
    has_api: bool = True
    has_worker: bool = True
    api_port: int = 8000
    # The most each process takes to exit after SIGTERM. The API's is uvicorn's
    # timeout_graceful_shutdown (backend/api/main.py); the worker's is handed to it as
    # <PREFIX>SHUTDOWN_TIMEOUT_SECONDS, so code and infrastructure cannot disagree. ECS
    # waits STOP_MARGIN_SECONDS longer before SIGKILL, and the load balancer drains a
    # leaving API task for as long as it may take to stop.
    api_shutdown_seconds: int = 10
    worker_shutdown_seconds: int = 25
    # modules/<name>/module.toml: its queue's settings, the modules it uses, its database.
    declaration: ModuleDeclaration = field(default_factory=ModuleDeclaration)

    @property
    def has_database(self) -> bool:
        """A PostgreSQL of its own (stack/infra/service_database.py, docs/database.md)."""
        return self.declaration.database


# Between the app's own shutdown bound and ECS's SIGKILL: log flushing, process exit.
STOP_MARGIN_SECONDS = 5


@dataclass(frozen=True)
class Capacity:
    min_capacity: int
    max_capacity: int
    cpu: int
    memory: int

    def override(self, values: Mapping[str, Any] | None, key: str) -> "Capacity":
        values = values or {}
        unknown = set(values) - {"minCapacity", "maxCapacity", "cpu", "memory"}
        if unknown:
            raise ValueError(
                f"config {key!r} has unknown settings {sorted(unknown)}; use minCapacity, maxCapacity, cpu, memory"
            )
        merged = replace(
            self,
            min_capacity=int(values.get("minCapacity", self.min_capacity)),
            max_capacity=int(values.get("maxCapacity", self.max_capacity)),
            cpu=int(values.get("cpu", self.cpu)),
            memory=int(values.get("memory", self.memory)),
        )
        if not 1 <= merged.min_capacity <= merged.max_capacity:
            raise ValueError(
                f"config {key!r}: need 1 <= minCapacity <= maxCapacity, "
                f"got {merged.min_capacity}..{merged.max_capacity}"
            )
        return merged


@dataclass(frozen=True)
class ServiceConfig:
    environment: Environment
    image_tag: str
    # Component ("api", "worker") -> the digest of its image in this environment's repository.
    image_digests: Mapping[str, str]
    foundation_stack: str
    api: Capacity
    worker: Capacity
    use_spot: bool
    assign_public_ip: bool
    log_retention_days: int
    # HTTPS, sign-in, WAF and API docs of the API (stack.infra.edge_settings).
    edge: EdgeSettings = field(default_factory=EdgeSettings)
    # Environment variable names per component ("api", "worker") read from SSM SecureStrings.
    secrets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # One value turns on the ADOT collector sidecar (X-Ray) for every component.
    tracing: bool = False
    # Where alarms go; None: the environment's topic from the foundation (alarmTopicArns).
    alarm_topic_arn: str | None = None
    alarm_thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def parse_thresholds(values: Mapping[str, Any] | None) -> AlarmThresholds:
    """``alarmThresholds: {cpuPercent: 90, p99ResponseSeconds: 1.5, ...}`` over the defaults."""
    known = {_camel(f.name): f for f in fields(AlarmThresholds)}
    values = values or {}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"config 'alarmThresholds' has unknown settings {sorted(unknown)}; use {sorted(known)}")
    defaults = AlarmThresholds()
    # Same type as the default (int or float): the config may say 90 for 90.0.
    return replace(
        defaults,
        **{known[key].name: type(getattr(defaults, known[key].name))(value) for key, value in values.items()},
    )


def parse_image_digests(values: Mapping[str, Any] | None) -> dict[str, str]:
    """``imageDigests: {api: sha256:..., worker: sha256:...}``, as CI sets it."""
    if not isinstance(values, Mapping) or not values:
        raise ValueError(
            "config 'imageDigests' is required: {component: sha256:<64 hex digits>}; CI sets it to the "
            "digests it pushed (python3 -m tools.delivery up)"
        )
    unknown = set(values) - {"api", "worker"}
    if unknown:
        raise ValueError(f"config 'imageDigests' has unknown components {sorted(unknown)}; use api, worker")
    for component, digest in values.items():
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            raise ValueError(f"config 'imageDigests.{component}' is {digest!r}, not sha256:<64 hex digits>")
    return dict(values)


def parse_secrets(values: Mapping[str, Any] | None) -> dict[str, list[str]]:
    values = values or {}
    unknown = set(values) - {"api", "worker"}
    if unknown:
        raise ValueError(f"config 'secrets' has unknown components {sorted(unknown)}; use api, worker")
    for component, names in values.items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"config 'secrets.{component}' must be a list of environment variable names")
    return {component: list(names) for component, names in values.items()}


DEFAULTS: dict[str, dict[str, Any]] = {
    "test": {
        "api": Capacity(1, 2, 256, 512),
        "worker": Capacity(1, 2, 256, 512),
        "use_spot": True,
        "log_retention_days": 14,
    },
    "prod": {
        "api": Capacity(2, 6, 512, 1024),
        "worker": Capacity(1, 4, 512, 1024),
        "use_spot": False,
        "log_retention_days": 90,
    },
    "preview": {
        "api": Capacity(1, 1, 256, 512),
        "worker": Capacity(1, 1, 256, 512),
        "use_spot": True,
        "log_retention_days": 3,
    },
}


def load_config() -> ServiceConfig:
    environment = Environment.from_stack(pulumi.get_stack())
    defaults = DEFAULTS[environment.name]
    config = pulumi.Config()
    use_spot = config.get_bool("useSpot")
    use_spot = defaults["use_spot"] if use_spot is None else use_spot
    assign_public_ip = bool(config.get_bool("assignPublicIp"))
    if environment.is_prod and (use_spot or assign_public_ip):
        raise ValueError("prod runs on regular Fargate in private subnets: set useSpot and assignPublicIp to false")
    return ServiceConfig(
        environment=environment,
        image_tag=config.require("imageTag"),
        image_digests=parse_image_digests(config.get_object("imageDigests")),
        foundation_stack=config.get("foundationStack") or foundation_stack_reference(pulumi.get_organization()),
        api=defaults["api"].override(config.get_object("api"), "api"),
        worker=defaults["worker"].override(config.get_object("worker"), "worker"),
        use_spot=use_spot,
        assign_public_ip=assign_public_ip,
        log_retention_days=config.get_int("logRetentionDays") or defaults["log_retention_days"],
        edge=load_edge_settings(config, is_prod=environment.is_prod),
        secrets=parse_secrets(config.get_object("secrets")),
        tracing=bool(config.get_bool("tracing")),
        alarm_topic_arn=config.get("alarmTopicArn"),
        alarm_thresholds=parse_thresholds(config.get_object("alarmThresholds")),
    )


def used_modules(spec: ServiceSpec, environment: Environment) -> dict[str, pulumi.StackReference]:
    """The stacks of the modules ``spec`` uses, in this environment (same stack name)."""
    organization = pulumi.get_organization()
    return {
        name: pulumi.StackReference(service_stack_reference(organization, name, environment.stack))
        for name in spec.declaration.uses
    }


def deploy(spec: ServiceSpec) -> None:
    """Create the service's resources in the current stack and export what CI and people need."""
    settings = load_config()
    environment = settings.environment
    foundation = pulumi.StackReference(settings.foundation_stack)
    account_id = aws.get_caller_identity().account_id
    region = aws.get_region().region
    # Python package names may hold "_", which S3 bucket and load balancer names may not.
    prefix = f"{environment.resource_prefix()}-{spec.name.replace('_', '-')}"
    tags = tags_for(environment.name, environment.stack, service=spec.name)

    declared_queue = spec.declaration.queue
    queue = JobQueue(
        "jobs",
        name=f"{prefix}-jobs",
        tags=tags,
        visibility_timeout_seconds=declared_queue.visibility_timeout_seconds,
        max_receive_count=declared_queue.max_receives,
    )
    used = used_modules(spec, environment)
    bucket = PrivateBucket(
        "results",
        name=results_bucket_name(prefix, account_id),
        tags=tags,
        versioned=not environment.is_preview,
        force_destroy=environment.is_preview,
    )

    subnets_for_tasks = foundation.require_output(
        "publicSubnetIds" if settings.assign_public_ip else "privateSubnetIds"
    )
    # What the code reads (<service>.backend.settings, stack.libs.settings).
    app_environment: dict[str, pulumi.Input[str]] = {
        f"{spec.env_prefix}QUEUE_URL": queue.url,
        f"{spec.env_prefix}BUCKET_NAME": bucket.bucket,
        "AWS_REGION": region,
        "LOG_LEVEL": "INFO",
    }
    if used:
        app_environment[f"{spec.env_prefix}USES_QUEUE_URLS"] = pulumi.Output.all(
            **{name: reference.require_output("queueUrl") for name, reference in used.items()}
        ).apply(lambda urls: json.dumps(dict(sorted(urls.items()))))
    send_queue_arns = [reference.require_output("queueArn") for reference in used.values()]

    def for_environment(output: str) -> pulumi.Output[str]:
        """This environment's entry of a foundation output keyed by environment."""
        return foundation.require_output(output).apply(lambda values: values[environment.name])

    # This environment's repository: previews can never push to test's or prod's.
    repository_url = for_environment("ecrRepositoryUrls")
    repository_arn = for_environment("ecrRepositoryArns")
    components = {c for c, present in (("api", spec.has_api), ("worker", spec.has_worker)) if present}
    missing = sorted(components - set(settings.image_digests))
    if missing:
        raise ValueError(f"config 'imageDigests' has no digest for {missing}: set one per image of {spec.name}")
    secrets_key_arn = for_environment("secretsKeyArns")
    # Roles of this stack may never do more than this environment's boundary allows.
    permissions_boundary_arn = for_environment("permissionsBoundaryArns")
    alarm_topic_arn: pulumi.Input[str] = settings.alarm_topic_arn or for_environment("alarmTopicArns")
    alarms = AlarmTarget(topic_arn=alarm_topic_arn, thresholds=settings.alarm_thresholds)

    database: ModuleDatabase | None = None
    if spec.has_database:
        database = module_database(
            name=spec.name,
            env_prefix=spec.env_prefix,
            prefix=prefix,
            environment=environment,
            vpc_id=foundation.require_output("vpcId"),
            private_subnet_ids=foundation.require_output("privateSubnetIds"),
            alarms=alarms,
            tags=tags,
            region=region,
            settings=pulumi.Config().get_object("database"),
        )
        app_environment.update(database.environment)
        pulumi.export("databaseAddress", database.database.address)

    # The key of job ids derived from Idempotency-Keys (stack.libs.jobs): random per stack from
    # its first deploy, so knowing a key never tells anyone a job id.
    platform_secrets = {"api": [f"{spec.env_prefix}IDEMPOTENCY_SECRET"]}

    def task_args(component: str, capacity: Capacity, permissions: TaskPermissions, **extra: Any) -> FargateTaskArgs:
        return FargateTaskArgs(
            name=f"{prefix}-{component}",
            account_id=account_id,
            region=region,
            cluster_arn=foundation.require_output("clusterArn"),
            cluster_name=foundation.require_output("clusterName"),
            vpc_id=foundation.require_output("vpcId"),
            subnet_ids=subnets_for_tasks,
            image=pulumi.Output.concat(repository_url, "@", settings.image_digests[component]),
            repository_arn=repository_arn,
            permissions_boundary_arn=permissions_boundary_arn,
            permissions=permissions,
            tags={**tags, "component": component},
            cpu=capacity.cpu,
            memory=capacity.memory,
            min_capacity=capacity.min_capacity,
            max_capacity=capacity.max_capacity,
            log_retention_days=settings.log_retention_days,
            assign_public_ip=settings.assign_public_ip,
            use_spot=settings.use_spot,
            secrets=[*settings.secrets.get(component, ()), *platform_secrets.get(component, ())],
            generated_secrets=platform_secrets.get(component, ()),
            secrets_key_arn=secrets_key_arn,
            alarms=alarms,
            tracing=settings.tracing,
            database=database.access if database else None,
            **extra,
        )

    pulumi.export("environment", environment.name)
    pulumi.export("imageTag", settings.image_tag)
    pulumi.export("imageDigests", dict(settings.image_digests))
    pulumi.export("queueUrl", queue.url)
    # For the modules that use this one (their task roles may send to it).
    pulumi.export("queueArn", queue.arn)
    pulumi.export("uses", list(spec.declaration.uses))
    pulumi.export("deadLetterQueueUrl", queue.dead_letter_url)
    pulumi.export("bucketName", bucket.bucket)
    pulumi.export("alarmTopicArn", alarm_topic_arn)
    pulumi.export("tracing", settings.tracing)
    widgets: list[dict[str, Any]] = []

    if spec.has_api:
        settings.edge.check_certificate_region(region, account_id)
        api = HttpService(
            "api",
            HttpServiceArgs(
                task=task_args(
                    "api",
                    settings.api,
                    TaskPermissions(
                        queue_arn=queue.arn,
                        queue_actions=("sqs:SendMessage", "sqs:GetQueueAttributes"),
                        bucket_arn=bucket.arn,
                        bucket_actions=("s3:GetObject", "s3:PutObject"),
                        send_queue_arns=send_queue_arns,
                    ),
                    environment={
                        **app_environment,
                        "HOST": "0.0.0.0",  # noqa: S104 - inside the task, behind the load balancer
                        "PORT": str(spec.api_port),
                        # /docs and /openapi.json: off in prod unless apiDocs says otherwise.
                        "DOCS_ENABLED": str(settings.edge.api_docs).lower(),
                    },
                    stop_timeout_seconds=spec.api_shutdown_seconds + STOP_MARGIN_SECONDS,
                ),
                public_subnet_ids=foundation.require_output("publicSubnetIds"),
                container_port=spec.api_port,
                health_check_path="/health",
                certificate_arn=settings.edge.certificate_arn,
                domain=settings.edge.domain,
                authentication=settings.edge.authentication,
                waf_rate_limit=settings.edge.waf_rate_limit,
                access_log_bucket=for_environment("accessLogBuckets"),
                deletion_protection=environment.is_prod,
            ),
        )
        if database:
            database.database.admit("api", api.task_security_group_id)
        pulumi.export("apiUrl", api.url)
        pulumi.export("apiServiceName", api.service_name)
        pulumi.export("apiLogGroup", api.log_group_name)
        widgets += api.widgets

    if spec.has_worker:
        worker = WorkerService(
            "worker",
            WorkerServiceArgs(
                task=task_args(
                    "worker",
                    settings.worker,
                    TaskPermissions(
                        queue_arn=queue.arn,
                        queue_actions=(
                            "sqs:ReceiveMessage",
                            "sqs:DeleteMessage",
                            "sqs:ChangeMessageVisibility",
                            "sqs:GetQueueAttributes",
                        ),
                        bucket_arn=bucket.arn,
                        bucket_actions=("s3:GetObject", "s3:PutObject"),
                        send_queue_arns=send_queue_arns,
                    ),
                    environment={
                        **app_environment,
                        f"{spec.env_prefix}SHUTDOWN_TIMEOUT_SECONDS": str(spec.worker_shutdown_seconds),
                        f"{spec.env_prefix}VISIBILITY_TIMEOUT_SECONDS": str(declared_queue.visibility_timeout_seconds),
                    },
                    # The worker finishes the job in hand after SIGTERM before this runs out.
                    stop_timeout_seconds=spec.worker_shutdown_seconds + STOP_MARGIN_SECONDS,
                ),
                queue_name=queue.queue_name,
                dead_letter_queue_name=queue.dead_letter_queue_name,
            ),
        )
        if database:
            database.database.admit("worker", worker.security_group_id)
            widgets += database.database.widgets
            # What the deploy needs to run the migrations as a one-off task of the worker's
            # definition, from the new image, before it updates the services (tools/delivery).
            pulumi.export(
                "migrationTask",
                {
                    "cluster": foundation.require_output("clusterArn"),
                    "family": worker.task_definition_family,
                    "container": "worker",
                    "subnets": subnets_for_tasks,
                    "securityGroups": [worker.security_group_id],
                },
            )
        pulumi.export("workerServiceName", worker.service_name)
        pulumi.export("workerLogGroup", worker.log_group_name)
        widgets += worker.widgets
    else:
        # No consumer in this module yet: still page on a queue that backs up or dead-letters.
        queue_alarms(
            queue,
            "jobs",
            name=f"{prefix}-jobs",
            queue_name=queue.queue_name,
            dead_letter_queue_name=queue.dead_letter_queue_name,
            target=alarms,
            tags=tags,
        )

    if widgets:
        dashboard = ServiceDashboard("dashboard", name=prefix, widgets=widgets)
        pulumi.export("dashboardName", dashboard.dashboard_name)
