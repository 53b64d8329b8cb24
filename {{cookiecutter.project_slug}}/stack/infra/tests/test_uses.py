"""A module that uses another (module.toml ``uses``) reaches its queue in AWS: the provider's
stack outputs give the URL, and the consumer's task roles may send there and do nothing else
of the provider's. The policy fails a stack that grants more."""

import json

import pytest

from stack.infra.conventions import AWS_ACCOUNT_ID, AWS_REGION, FOUNDATION_PROJECT, PROJECT_SLUG
from stack.infra.policy import PolicyContext, enforce, evaluate
from stack.infra.service_stack import ServiceSpec, deploy
from stack.infra.testing import IMAGE_DIGESTS, RecordingMocks, foundation_outputs, run_program, service_outputs
from stack.module_toml import ModuleDeclaration, QueueDeclaration

FOUNDATION_REFERENCE = f"organization/{FOUNDATION_PROJECT}/shared"
PROVIDERS = ("cash_ledger", "reports")
PROD_CERTIFICATE = f"arn:aws:acm:{AWS_REGION}:{AWS_ACCOUNT_ID}:certificate/gateway"


def provider(name, stack):
    return service_outputs(AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG, name, stack)


def deploy_gateway(stack, uses=PROVIDERS, queue=None):
    mocks = RecordingMocks(
        account_id=AWS_ACCOUNT_ID,
        region=AWS_REGION,
        stack_outputs={
            FOUNDATION_REFERENCE: foundation_outputs(AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG),
            # Only the used modules' stacks are mocked: a reference to any other fails the run.
            **{f"organization/{PROJECT_SLUG}-{name}/{stack}": provider(name, stack) for name in uses},
        },
    )
    spec = ServiceSpec(
        name="gateway",
        env_prefix="GATEWAY_",
        declaration=ModuleDeclaration(uses=uses, queue=queue or QueueDeclaration()),
    )
    return run_program(
        lambda: deploy(spec),
        project=f"{PROJECT_SLUG}-gateway",
        stack=stack,
        config={
            "imageTag": "main-0123456789ab",
            "imageDigests": IMAGE_DIGESTS,
            # Prod serves HTTPS only.
            **({"certificateArn": PROD_CERTIFICATE} if stack == "prod" else {}),
        },
        mocks=mocks,
    )


def task_policies(result):
    return {
        policy.name: json.loads(policy.inputs["policy"])["Statement"]
        for policy in result.of_type("aws:iam/rolePolicy:RolePolicy")
        if policy.name.endswith("-task-policy")
    }


def environments(result):
    found = {}
    for task in result.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        [container] = json.loads(task.inputs["containerDefinitions"])
        found[task.inputs["family"].rsplit("-", 1)[-1]] = {e["name"]: e["value"] for e in container["environment"]}
    return found


@pytest.mark.parametrize("stack", ["test", "prod", "preview-7"])
def test_the_consumer_reads_the_providers_stack_of_its_own_environment(stack):
    result = deploy_gateway(stack)
    references = {r.name for r in result.of_type("pulumi:pulumi:StackReference")}
    assert references == {FOUNDATION_REFERENCE} | {f"organization/{PROJECT_SLUG}-{n}/{stack}" for n in PROVIDERS}
    for component, env in environments(result).items():
        urls = json.loads(env["GATEWAY_USES_QUEUE_URLS"])
        assert urls == {name: provider(name, stack)["queueUrl"] for name in PROVIDERS}, component
    enforce(
        result.resources, PolicyContext(environment=result.outputs["environment"], require_permissions_boundary=True)
    )


def test_its_task_roles_may_send_to_the_providers_queues_and_nothing_else_of_theirs():
    result = deploy_gateway("test")
    arns = sorted(provider(name, "test")["queueArn"] for name in PROVIDERS)
    policies = task_policies(result)
    assert set(policies) == {"api-roles-task-policy", "worker-roles-task-policy"}
    for name, statements in policies.items():
        granted = [s for s in statements if any(a in json.dumps(s.get("Resource")) for a in arns)]
        assert granted == [
            {"Sid": "SendToUsedModules", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arns}
        ], name
        # Nothing of the providers' but their queues: not their dead letters, not their buckets.
        for module in PROVIDERS:
            others = json.dumps([s for s in statements if s not in granted])
            assert f"-{module.replace('_', '-')}-" not in others, name


def test_without_the_uses_link_there_is_no_reference_and_no_permission():
    result = deploy_gateway("test", uses=())
    assert [r.name for r in result.of_type("pulumi:pulumi:StackReference")] == [FOUNDATION_REFERENCE]
    assert all("GATEWAY_USES_QUEUE_URLS" not in env for env in environments(result).values())
    for statements in task_policies(result).values():
        assert all(s.get("Sid") != "SendToUsedModules" for s in statements)
        assert all(":cash-ledger" not in json.dumps(s) for s in statements)


def test_the_queue_is_made_as_module_toml_declares_it():
    result = deploy_gateway("test", uses=(), queue=QueueDeclaration(visibility_timeout_seconds=300, max_receives=3))
    queue = result.one("aws:sqs/queue:Queue", "jobs")
    assert queue.inputs["visibilityTimeoutSeconds"] == 300
    assert json.loads(queue.inputs["redrivePolicy"])["maxReceiveCount"] == 3
    assert environments(result)["worker"]["GATEWAY_VISIBILITY_TIMEOUT_SECONDS"] == "300"
    assert result.outputs["queueArn"].endswith(f":{PROJECT_SLUG}-test-gateway-jobs")


def grant(result, policy_name, statement):
    policy = result.one("aws:iam/rolePolicy:RolePolicy", policy_name)
    document = json.loads(policy.inputs["policy"])
    document["Statement"].append(statement)
    policy.inputs["policy"] = json.dumps(document)


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"], "Resource": "PROVIDER"},
            "grants ['sqs:DeleteMessage', 'sqs:ReceiveMessage'] on arn:aws:sqs:",
        ),
        (
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": f"arn:aws:sqs:*:*:{PROJECT_SLUG}-test-*"},
            "grants ['sqs:SendMessage'] on 'arn:aws:sqs:*:*:",
        ),
        ({"Effect": "Allow", "Action": "sqs:*", "Resource": "PROVIDER"}, "grants ['sqs:*'] on arn:aws:sqs:"),
    ],
)
def test_the_policy_fails_a_task_role_that_may_do_more(statement, message):
    result = deploy_gateway("test")
    if statement["Resource"] == "PROVIDER":
        statement = {**statement, "Resource": provider("reports", "test")["queueArn"]}
    grant(result, "worker-roles-task-policy", statement)
    violations = [str(v) for v in evaluate(result.resources, PolicyContext(environment="test"))]
    assert [v for v in violations if "[task-queues-scoped]" in v and message in v], violations
