"""Run a Pulumi program under ``pulumi.runtime.set_mocks`` and record what it declares.

Every stack's tests use this: ``run_program`` executes the program with no Pulumi CLI and
no cloud, and returns each resource it registered (type, name, inputs, parent, options),
each provider function it invoked and its resolved stack outputs. Resource constructors
are the real pulumi_aws classes, so a misspelled or missing argument fails the run.

Invokes (``aws.get_*``) and stack references must be answered explicitly: an unexpected
one fails the run with a message naming it, so a test never passes on silent defaults.
"""

import contextvars
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime.mocks import MockMonitor

STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


@dataclass
class RecordedResource:
    type: str
    name: str
    inputs: dict[str, Any]
    id: str
    urn: str
    parent_urn: str
    custom: bool
    ignore_changes: list[str] = field(default_factory=list)
    # Per property (camelCase), the URNs of the resources its value was computed from.
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)
    # Set once the resource (a component) has called register_outputs.
    registered_outputs: bool = False
    # What the mocks answered for it (inputs plus computed ids, ARNs, arnSuffix, ...).
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.type} {self.name!r}"


@dataclass
class ProgramRun:
    resources: list[RecordedResource]
    invokes: list[tuple[str, dict[str, Any]]]
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> RecordedResource:
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            names = sorted(r.name for r in self.of_type(type_token))
            raise AssertionError(f"expected one {type_token} named {name!r}, found {len(found)}; present: {names}")
        return found[0]

    def by_id(self, resource_id: str) -> RecordedResource | None:
        return next((r for r in self.resources if r.custom and r.id == resource_id), None)

    def children_of(self, parent: RecordedResource) -> list[RecordedResource]:
        return [r for r in self.resources if r.parent_urn == parent.urn]


class _RequestContext(threading.local):
    parent: str = ""
    ignore_changes: tuple[str, ...] = ()
    property_dependencies: dict[str, list[str]] = {}
    dependencies: tuple[str, ...] = ()


class _RecordingMonitor(MockMonitor):
    """Passes each registration's parent and options on to the mocks, which only see inputs."""

    def __init__(self, mocks: "RecordingMocks") -> None:
        super().__init__(mocks)
        self.recorder = mocks

    def RegisterResource(self, request: Any) -> Any:  # - gRPC method name
        context = self.recorder.request_context
        context.parent = request.parent
        context.ignore_changes = tuple(request.ignoreChanges)
        context.property_dependencies = {
            key: list(value.urns) for key, value in request.propertyDependencies.items() if value.urns
        }
        context.dependencies = tuple(request.dependencies)
        return super().RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any) -> Any:  # - gRPC method name
        self.recorder.outputs_registered.add(request.urn)
        return super().RegisterResourceOutputs(request)


def _physical_name(type_token: str, name: str, inputs: Mapping[str, Any]) -> str:
    for key in ("name", "bucket", "family", "repositoryName"):
        value = inputs.get(key)
        if isinstance(value, str) and value:
            return value
    return name


class RecordingMocks(pulumi.runtime.Mocks):
    """Mocks that record registrations and fill in the outputs AWS would compute."""

    def __init__(
        self,
        *,
        account_id: str,
        region: str,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
        invoke_results: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.stack_outputs = dict(stack_outputs or {})
        self.invoke_results = {**self._default_invokes(), **(invoke_results or {})}
        self.resources: list[RecordedResource] = []
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        self.outputs_registered: set[str] = set()
        self.request_context = _RequestContext()
        self.monitor = _RecordingMonitor(self)
        self._lock = threading.Lock()

    def _default_invokes(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            # A fixed "random" value: tests compare runs.
            "aws:secretsmanager/getRandomPassword:getRandomPassword": lambda args: {
                "id": "random",
                "randomPassword": "r" * int(args.get("passwordLength", 32)),
            },
            "aws:index/getCallerIdentity:getCallerIdentity": lambda _: {
                "accountId": self.account_id,
                "arn": f"arn:aws:iam::{self.account_id}:user/test",
                "userId": "AIDATEST",
                "id": self.account_id,
            },
            "aws:index/getRegion:getRegion": lambda _: {"region": self.region, "name": self.region, "id": self.region},
            "aws:index/getPartition:getPartition": lambda _: {"partition": "aws", "dnsSuffix": "amazonaws.com"},
            # The region's Elastic Load Balancing account, which delivers access logs.
            "aws:elb/getServiceAccount:getServiceAccount": lambda _: {
                "arn": "arn:aws:iam::156460612806:root",
                "id": "156460612806",
            },
            "aws:index/getAvailabilityZones:getAvailabilityZones": lambda _: {
                "names": [f"{self.region}{suffix}" for suffix in "abc"],
                "zoneIds": [f"zone-{suffix}" for suffix in "abc"],
                "id": self.region,
            },
        }

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.invokes.append((args.token, dict(args.args)))
        handler = self.invoke_results.get(args.token)
        if handler is None:
            raise LookupError(
                f"the program invoked {args.token} with {args.args}, which this test does not mock; "
                "pass invoke_results={token: handler} to run_program"
            )
        return handler(dict(args.args)), []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        context = self.request_context
        if args.typ == STACK_REFERENCE_TYPE:
            if args.name not in self.stack_outputs:
                raise LookupError(
                    f"the program references stack {args.name!r}; this test provides outputs for "
                    f"{sorted(self.stack_outputs)}"
                )
            state: dict[str, Any] = {"name": args.name, "outputs": dict(self.stack_outputs[args.name])}
            state["secretOutputNames"] = []
            resource_id = args.name
        else:
            resource_id, state = self._aws_state(args.typ, args.name, inputs, args.resource_id)
        with self._lock:
            self.resources.append(
                RecordedResource(
                    type=args.typ,
                    name=args.name,
                    inputs=inputs,
                    id=resource_id or "",
                    urn=self.monitor.make_urn(context.parent, args.typ, args.name),
                    parent_urn=context.parent,
                    custom=bool(args.custom),
                    ignore_changes=list(context.ignore_changes),
                    property_dependencies=dict(context.property_dependencies),
                    dependencies=list(context.dependencies),
                    state=dict(state),
                )
            )
        return resource_id, state

    def _aws_state(
        self, resource_type: str, name: str, inputs: dict[str, Any], read_id: str | None
    ) -> tuple[str, dict[str, Any]]:
        physical = _physical_name(resource_type, name, inputs)
        service = resource_type.split(":")[1].split("/")[0] if ":" in resource_type else "component"
        arn = f"arn:aws:{service}:{self.region}:{self.account_id}:{physical}"
        state = dict(inputs)
        resource_id = read_id or f"{physical}-id"
        if resource_type == "aws:sqs/queue:Queue":
            resource_id = f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{physical}"
            state.update(url=resource_id, name=physical)
            arn = f"arn:aws:sqs:{self.region}:{self.account_id}:{physical}"
        elif resource_type == "aws:s3/bucket:Bucket":
            resource_id = physical
            arn = f"arn:aws:s3:::{physical}"
            state.update(bucket=physical)
        elif resource_type == "aws:iam/role:Role":
            arn = f"arn:aws:iam::{self.account_id}:role/{physical}"
            state.update(name=physical)
        elif resource_type == "aws:iam/policy:Policy":
            arn = f"arn:aws:iam::{self.account_id}:policy/{physical}"
        elif resource_type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            host = str(inputs.get("url", "")).removeprefix("https://")
            arn = f"arn:aws:iam::{self.account_id}:oidc-provider/{host}"
            resource_id = arn
        elif resource_type == "aws:ecr/repository:Repository":
            arn = f"arn:aws:ecr:{self.region}:{self.account_id}:repository/{physical}"
            state.update(repositoryUrl=f"{self.account_id}.dkr.ecr.{self.region}.amazonaws.com/{physical}")
        elif resource_type == "aws:lb/loadBalancer:LoadBalancer":
            state.update(dnsName=f"{name}.{self.region}.elb.amazonaws.com", arnSuffix=f"app/{name}/0123")
        elif resource_type == "aws:lb/targetGroup:TargetGroup":
            state.update(arnSuffix=f"targetgroup/{name}/0123")
        elif resource_type == "aws:cloudwatch/logGroup:LogGroup":
            arn = f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{physical}"
        elif resource_type == "aws:ecs/cluster:Cluster":
            state.update(name=physical)
        elif resource_type == "aws:ecs/service:Service":
            state.update(name=physical)
        elif resource_type == "aws:kms/key:Key":
            resource_id = f"key-{name}"
            arn = f"arn:aws:kms:{self.region}:{self.account_id}:key/{resource_id}"
            state.update(keyId=resource_id)
        elif resource_type == "aws:rds/instance:Instance":
            arn = f"arn:aws:rds:{self.region}:{self.account_id}:db:{physical}"
            # What RDS reports for a managed master password: the secret it keeps it in.
            secret = f"arn:aws:secretsmanager:{self.region}:{self.account_id}:secret:rds!db-{physical}-AbCdEf"
            state.update(
                address=f"{physical}.c0ffee.{self.region}.rds.amazonaws.com",
                masterUserSecrets=(
                    [{"secretArn": secret, "secretStatus": "active"}] if inputs.get("manageMasterUserPassword") else []
                ),
            )
        elif resource_type == "aws:kms/alias:Alias":
            arn = f"arn:aws:kms:{self.region}:{self.account_id}:{physical}"
        elif resource_type == "aws:acm/certificate:Certificate":
            domain = str(inputs.get("domainName"))
            arn = f"arn:aws:acm:{self.region}:{self.account_id}:certificate/{name}"
            state.update(
                domainValidationOptions=[
                    {
                        "domainName": domain,
                        "resourceRecordName": f"_validation.{domain}.",
                        "resourceRecordType": "CNAME",
                        "resourceRecordValue": f"_token.{name}.acm-validations.aws.",
                    }
                ]
            )
        elif resource_type == "aws:route53/record:Record":
            state.update(fqdn=str(inputs.get("name")))
        elif resource_type == "aws:cloudwatch/metricAlarm:MetricAlarm":
            arn = f"arn:aws:cloudwatch:{self.region}:{self.account_id}:alarm:{physical}"
        state.setdefault("arn", arn)
        return resource_id, state


def _config_value(value: Any) -> str:
    # The Pulumi CLI hands every value to the program as a string, objects as JSON.
    return value if isinstance(value, str) else json.dumps(value)


def run_program(
    program: Callable[[], Any],
    *,
    project: str,
    stack: str,
    config: Mapping[str, Any] | None = None,
    mocks: RecordingMocks,
    organization: str = "organization",
) -> ProgramRun:
    """Run ``program`` as ``pulumi up`` of ``project``/``stack`` would, under ``mocks``.

    ``config`` keys without a namespace belong to the project (as in Pulumi.<stack>.yaml).
    Each run gets fresh Pulumi runtime state, so one test module can run many stacks.
    """
    namespaced = {
        (key if ":" in key else f"{project}:{key}"): _config_value(value) for key, value in (config or {}).items()
    }
    outputs: dict[str, Any] = {}

    def run() -> None:
        pulumi.runtime.set_mocks(
            mocks, project=project, stack=stack, preview=False, monitor=mocks.monitor, organization=organization
        )
        pulumi.runtime.set_all_config(namespaced)

        @pulumi.runtime.test
        def execute() -> pulumi.Output[None]:
            program()
            root = pulumi.runtime.get_root_resource()
            exported = getattr(root, "outputs", {})
            return pulumi.Output.from_input(exported).apply(lambda values: outputs.update(values or {}))

        execute()

    # A fresh context: the runtime keeps its root stack and config in context variables.
    contextvars.Context().run(run)
    for resource in mocks.resources:
        resource.registered_outputs = resource.urn in mocks.outputs_registered
    return ProgramRun(resources=list(mocks.resources), invokes=list(mocks.invokes), outputs=outputs)


def load_stack_config(project_dir: Path | str, stack: str) -> tuple[str, dict[str, Any]]:
    """The project name from Pulumi.yaml and the ``config`` of Pulumi.<stack>.yaml, with
    keys of the project's own namespace shortened as ``run_program`` expects them."""
    project_dir = Path(project_dir)
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"]
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    raw = (yaml.safe_load(stack_file.read_text()) or {}).get("config", {}) if stack_file.exists() else {}
    prefix = f"{project}:"
    return project, {(key.removeprefix(prefix)): value for key, value in raw.items()}


# What CI sets as a service stack's imageDigests (one digest per image it pushed or verified).
IMAGE_DIGESTS = {"api": "sha256:" + "a" * 64, "worker": "sha256:" + "b" * 64}


def foundation_outputs(account_id: str, region: str, project_slug: str) -> dict[str, Any]:
    """Outputs shaped like the foundation stack's, for mocking a service's StackReference."""
    registry = f"{account_id}.dkr.ecr.{region}.amazonaws.com"
    environments = ("test", "prod", "preview")
    return {
        "awsAccountId": account_id,
        "awsRegion": region,
        "resourcePrefix": project_slug,
        "ecrRepositoryUrls": {env: f"{registry}/{project_slug}-{env}" for env in environments},
        "ecrRepositoryArns": {
            env: f"arn:aws:ecr:{region}:{account_id}:repository/{project_slug}-{env}" for env in environments
        },
        "ecrRepositoryNames": {env: f"{project_slug}-{env}" for env in environments},
        "githubOidcProviderArn": f"arn:aws:iam::{account_id}:oidc-provider/token.actions.githubusercontent.com",
        "githubSubjectClaimKeys": ["repo", "context", "job_workflow_ref"],
        "ciRoleArns": {
            env: f"arn:aws:iam::{account_id}:role/{project_slug}-ci-{env}" for env in ("test", "prod", "preview")
        },
        "foundationPreviewRoleArn": f"arn:aws:iam::{account_id}:role/{project_slug}-ci-foundation-preview",
        "permissionsBoundaryArns": {
            env: f"arn:aws:iam::{account_id}:policy/{project_slug}-{env}-workload-boundary"
            for env in ("test", "prod", "preview")
        },
        "clusterArn": f"arn:aws:ecs:{region}:{account_id}:cluster/{project_slug}",
        "clusterName": project_slug,
        "vpcId": "vpc-0123456789abcdef0",
        "publicSubnetIds": ["subnet-public-a", "subnet-public-b"],
        "privateSubnetIds": ["subnet-private-a", "subnet-private-b"],
        "secretsKeyArns": {
            env: f"arn:aws:kms:{region}:{account_id}:key/secrets-{env}" for env in ("test", "prod", "preview")
        },
        "alarmTopicArns": {
            env: f"arn:aws:sns:{region}:{account_id}:{project_slug}-{env}-alarms" for env in ("test", "prod", "preview")
        },
        "accessLogBuckets": {env: f"{project_slug}-{env}-alb-logs-{account_id}" for env in ("test", "prod", "preview")},
    }


# Where stack/infra/pulumi-venv links the exported "infra" resolve; every Pulumi.yaml's
# runtime.options.virtualenv must lead here.
PULUMI_VIRTUALENV = "dist/export/python/virtualenvs/infra/current"


def pulumi_project_problems(project_dir: Path | str, repo_root: Path | str = ".") -> list[str]:
    """What is wrong with a Pulumi.yaml for running under this repository's layout."""
    project_dir = Path(project_dir)
    settings = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    problems = []
    runtime = settings.get("runtime") or {}
    if runtime.get("name") != "python":
        problems.append(f"{project_dir}/Pulumi.yaml: runtime.name must be python, got {runtime.get('name')!r}")
    virtualenv = (runtime.get("options") or {}).get("virtualenv")
    expected = (Path(repo_root) / PULUMI_VIRTUALENV).resolve()
    if not virtualenv or (project_dir / virtualenv).resolve() != expected:
        problems.append(
            f"{project_dir}/Pulumi.yaml: runtime.options.virtualenv {virtualenv!r} does not lead to {PULUMI_VIRTUALENV}"
        )
    if not (project_dir / "__main__.py").is_file():
        problems.append(f"{project_dir}: no __main__.py for Pulumi to run")
    return problems


def service_outputs(account_id: str, region: str, project_slug: str, module: str, stack: str) -> dict[str, Any]:
    """Outputs shaped like a service stack's, for mocking the StackReference of a module
    that uses it (stack.infra.service_stack.used_modules)."""
    queue = f"{project_slug}-{stack}-{module.replace('_', '-')}-jobs"
    return {
        "environment": "preview" if stack.startswith("preview-") else stack,
        "queueUrl": f"https://sqs.{region}.amazonaws.com/{account_id}/{queue}",
        "queueArn": f"arn:aws:sqs:{region}:{account_id}:{queue}",
        "deadLetterQueueUrl": f"https://sqs.{region}.amazonaws.com/{account_id}/{queue}-dlq",
        "bucketName": f"{project_slug}-{stack}-{module.replace('_', '-')}-results-{account_id}",
    }
