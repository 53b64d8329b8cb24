"""The policy pack as the Pulumi CLI runs it: `python -m pulumi.policy <engine> <pack folder>`
serves the Analyzer gRPC API; these tests talk to it like the CLI does."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc  # type: ignore[import-untyped]
import pytest
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2  # type: ignore[import-untyped]
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from stack.infra.components import HttpService, HttpServiceArgs
from stack.infra.policy_pack.pack import PACK_NAME, POLICIES
from stack.infra.policy_pack.rules import RULES
from stack.infra.testing import PULUMI_VIRTUALENV, RecordingMocks, run_program
from stack.infra.tests.test_components import ACCOUNT, LOG_BUCKET, REGION, task_args

PACK_DIR = Path("stack/infra/policy_pack")


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    # The pack's own imports come from this test's environment, as from the exported venv.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PULUMI_STACK": "prod"}
    env.update(PULUMI_PROJECT="reports", PULUMI_DRY_RUN="true")
    # This interpreter running the pack folder, as the CLI's Python language host does.
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(PACK_DIR)],  # noqa: S603
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().decode().strip()
        if not port.isdigit():
            process.kill()
            raise AssertionError(f"the pack did not start: {port!r}\n{process.stderr.read().decode()}")  # type: ignore[union-attr]
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.kill()
        process.wait(timeout=10)


def test_pulumi_policy_yaml_runs_the_pack_in_the_exported_infra_venv():
    settings = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert settings["runtime"]["name"] == "python"
    virtualenv = (PACK_DIR / settings["runtime"]["options"]["virtualenv"]).resolve()
    assert virtualenv == Path(PULUMI_VIRTUALENV).resolve()
    assert (PACK_DIR / "__main__.py").is_file()


def test_the_entry_point_lists_every_rule_as_a_mandatory_policy(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK_NAME
    listed = {policy.name: policy for policy in info.policies}
    assert set(listed) == {rule.__name__.replace("_", "-") for rule in RULES} == {p.name for p in POLICIES}
    assert {policy.enforcementLevel for policy in listed.values()} == {analyzer_pb2.MANDATORY}
    assert all(policy.description for policy in listed.values())


def _analyzer_resources(recorded) -> list[analyzer_pb2.AnalyzerResource]:
    """What the engine sends for a stack: properties as a Struct, dependencies by URN."""
    resources = []
    for r in recorded:
        properties = struct_pb2.Struct()
        json_format.ParseDict(json.loads(json.dumps(r.inputs)), properties)
        resources.append(
            analyzer_pb2.AnalyzerResource(
                type=r.type,
                name=r.name,
                urn=r.urn,
                parent=r.parent_urn,
                properties=properties,
                dependencies=r.dependencies,
                propertyDependencies={
                    key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                    for key, urns in r.property_dependencies.items()
                },
            )
        )
    return resources


def test_a_prod_api_without_https_fails_the_served_pack_naming_the_setting(analyzer):
    # PULUMI_STACK=prod: with no policy config the pack checks the stack it runs for.
    def program():
        HttpService(
            "api", HttpServiceArgs(task=task_args(), public_subnet_ids=["subnet-a"], access_log_bucket=LOG_BUCKET)
        )

    recorded = run_program(
        program, project="reports", stack="prod", mocks=RecordingMocks(account_id=ACCOUNT, region=REGION)
    ).resources
    response = analyzer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=_analyzer_resources(recorded)))
    https = [d for d in response.diagnostics if d.policyName == "https-listeners"]
    assert https and all(d.enforcementLevel == analyzer_pb2.MANDATORY for d in https)
    balancer = next(d for d in https if "without HTTPS" in d.message)
    assert "set certificateArn" in balancer.message and "domain: {name, hostedZoneId}" in balancer.message
    assert balancer.urn == next(r.urn for r in recorded if r.type == "aws:lb/loadBalancer:LoadBalancer")
