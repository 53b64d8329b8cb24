"""The foundation program under mocks, with the settings committed in Pulumi.shared.yaml."""

import json
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

from stack.infra.conventions import (
    AWS_ACCOUNT_ID,
    AWS_REGION,
    FOUNDATION_PROJECT,
    FOUNDATION_STACK,
    GITHUB_OWNER,
    GITHUB_REPOSITORY,
    PROJECT_SLUG,
)
from stack.infra.foundation import program
from stack.infra.policy import PolicyContext, PolicyViolationError, enforce
from stack.infra.testing import (
    PULUMI_VIRTUALENV,
    RecordingMocks,
    load_stack_config,
    pulumi_project_problems,
    run_program,
)

PROJECT_DIR = Path("stack/infra/foundation")
OIDC = "token.actions.githubusercontent.com"
REPO_SUBJECT = f"repo:{GITHUB_OWNER}/{GITHUB_REPOSITORY}:"


def run_foundation(entry=program.main, account_id=AWS_ACCOUNT_ID, invoke_results=None, **overrides):
    project, config = load_stack_config(PROJECT_DIR, FOUNDATION_STACK)
    config.update(overrides)
    mocks = RecordingMocks(account_id=account_id, region=AWS_REGION, invoke_results=invoke_results)
    return run_program(entry, project=project, stack=FOUNDATION_STACK, config=config, mocks=mocks)


@pytest.fixture(scope="module")
def foundation():
    return run_foundation()


def trust_conditions(result, environment):
    role = result.one("aws:iam/role:Role", f"ci-{environment}")
    [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    return statement


def test_committed_settings_match_the_template_answers():
    project, config = load_stack_config(PROJECT_DIR, FOUNDATION_STACK)
    assert project == FOUNDATION_PROJECT
    assert config["aws:region"] == AWS_REGION
    assert config["aws:allowedAccountIds"] == [AWS_ACCOUNT_ID]
    assert (config["githubOwner"], config["githubRepository"], config["awsAccountId"]) == (
        GITHUB_OWNER,
        GITHUB_REPOSITORY,
        AWS_ACCOUNT_ID,
    )


def run_pulumi_venv(repo: Path, exports: list[str]) -> subprocess.CompletedProcess:
    """Run stack/infra/pulumi-venv in repo with a stand-in ./pants whose export writes the
    given interpreter versions' virtualenvs (the real one runs Pants, which a test cannot)."""
    (repo / "stack/infra").mkdir(parents=True)
    shutil.copy("stack/infra/pulumi-venv", repo / "stack/infra/pulumi-venv")
    lines = ["#!/usr/bin/env bash", 'echo "$*" >> pants-calls']
    for version in exports:
        bin_dir = f"dist/export/python/virtualenvs/infra/{version}/bin"
        lines += [f"mkdir -p {bin_dir}", f"touch {bin_dir}/python", f"chmod +x {bin_dir}/python"]
    (repo / "pants").write_text("\n".join(lines) + "\n")
    (repo / "pants").chmod(0o755)
    script = ["bash", "stack/infra/pulumi-venv"]
    return subprocess.run(script, cwd=repo, capture_output=True, text=True, timeout=60)  # noqa: S603 - our script


def test_pulumi_runs_the_program_with_the_exported_infra_venv(tmp_path):
    assert pulumi_project_problems(PROJECT_DIR) == []
    # A stale export from another interpreter must not survive next to the new one.
    stale = tmp_path / "dist/export/python/virtualenvs/infra/3.11.7"
    stale.mkdir(parents=True)

    result = run_pulumi_venv(tmp_path, ["3.12.1"])

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pants-calls").read_text() == "export --resolve=infra\n"
    current = tmp_path / PULUMI_VIRTUALENV  # the path every Pulumi.yaml names
    assert current.is_symlink() and current.resolve() == (tmp_path / "dist/export/python/virtualenvs/infra/3.12.1")
    assert (current / "bin/python").is_file() and not stale.exists()


def test_pulumi_venv_fails_clearly_when_the_export_is_not_one_virtualenv(tmp_path):
    result = run_pulumi_venv(tmp_path, [])
    assert result.returncode == 1
    assert "pulumi-venv: expected one exported virtualenv under dist/export/python/virtualenvs/infra" in result.stderr


def test_foundation_passes_the_policy(foundation):
    enforce(
        foundation.resources,
        PolicyContext(environment="shared", github_subjects=(REPO_SUBJECT,)),
    )


@pytest.mark.parametrize("environment", ["test", "prod", "preview"])
def test_ci_roles_trust_only_this_repository_in_the_matching_environment(foundation, environment):
    statement = trust_conditions(foundation, environment)
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].endswith(f":oidc-provider/{OIDC}")
    assert statement["Condition"] == {
        "StringEquals": {
            f"{OIDC}:aud": "sts.amazonaws.com",
            f"{OIDC}:sub": f"repo:{GITHUB_OWNER}/{GITHUB_REPOSITORY}:environment:{environment}",
        }
    }


def test_immutable_id_subjects_are_a_config_option():
    result = run_foundation(githubRepositoryOwnerId="1234", githubRepositoryId="5678")
    subject = trust_conditions(result, "prod")["Condition"]["StringEquals"][f"{OIDC}:sub"]
    assert subject == "repository_owner_id:1234:repository_id:5678:environment:prod"
    enforce(
        result.resources,
        PolicyContext(environment="shared", github_subjects=("repository_owner_id:1234:repository_id:5678:",)),
    )


def deploy_policy(result, environment):
    return json.loads(result.one("aws:iam/rolePolicy:RolePolicy", f"ci-{environment}-deploy").inputs["policy"])


@pytest.mark.parametrize("environment", ["test", "prod", "preview"])
def test_deploy_permissions_are_scoped_to_the_environment(foundation, environment):
    statements = {s["Sid"]: s for s in deploy_policy(foundation, environment)["Statement"]}
    prefix = f"{PROJECT_SLUG}-{environment}-*"
    assert statements["OwnQueues"]["Resource"] == f"arn:aws:sqs:{AWS_REGION}:{AWS_ACCOUNT_ID}:{prefix}"
    assert statements["OwnBuckets"]["Resource"] == [f"arn:aws:s3:::{prefix}", f"arn:aws:s3:::{prefix}/*"]
    create = statements["CreateRolesWithBoundary"]
    assert create["Resource"] == f"arn:aws:iam::{AWS_ACCOUNT_ID}:role/{prefix}"
    assert create["Condition"]["StringEquals"]["iam:PermissionsBoundary"].endswith(
        f":policy/{PROJECT_SLUG}-{environment}-workload-boundary"
    )
    linked = statements["ServiceLinkedRoles"]
    assert linked["Action"] == "iam:CreateServiceLinkedRole"
    assert linked["Resource"] == f"arn:aws:iam::{AWS_ACCOUNT_ID}:role/aws-service-role/*"
    assert set(linked["Condition"]["StringEquals"]["iam:AWSServiceName"]) == {
        "ecs.amazonaws.com",
        "elasticloadbalancing.amazonaws.com",
        "ecs.application-autoscaling.amazonaws.com",
    }
    assert statements["PassOwnRolesToEcs"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    assert statements["ManageTaggedNetworkingAndScaling"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/environment": environment}
    }
    # Tagging cannot move another environment's resource into this one.
    tag = statements["TagOwnNetworkingAndScaling"]
    assert tag["Condition"] == {
        "StringEquals": {"aws:RequestTag/environment": environment},
        "StringEqualsIfExists": {"aws:ResourceTag/environment": environment},
    }
    tag_actions = {"ec2:CreateTags", "elasticloadbalancing:AddTags", "application-autoscaling:TagResource"}
    assert set(tag["Action"]) == tag_actions
    others = [s for s in statements.values() if s is not tag]
    assert not any(set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]]) & tag_actions for s in others)
    other = {"test", "prod", "preview"} - {environment}
    text = json.dumps(deploy_policy(foundation, environment))
    assert not any(f"{PROJECT_SLUG}-{name}-" in text for name in other)


def test_ecr_push_is_limited_to_the_one_repository(foundation):
    statements = {s["Sid"]: s for s in deploy_policy(foundation, "prod")["Statement"]}
    assert (
        statements["EcrPushPull"]["Resource"] == f"arn:aws:ecr:{AWS_REGION}:{AWS_ACCOUNT_ID}:repository/{PROJECT_SLUG}"
    )
    assert "ecr:PutImage" in statements["EcrPushPull"]["Action"]
    assert statements["EcrLogin"]["Action"] == "ecr:GetAuthorizationToken"


def test_ecr_repository_scans_encrypts_and_expires_per_image(foundation):
    repository = foundation.one("aws:ecr/repository:Repository")
    assert repository.inputs["name"] == PROJECT_SLUG
    assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository.inputs["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
    rules = json.loads(foundation.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])["rules"]
    by_pattern = {tuple(r["selection"].get("tagPatternList", [])): r for r in rules}
    release, branch = by_pattern[("reports-v*",)], by_pattern[("reports-*",)]
    prod, test = by_pattern[("reports-main-*",)], by_pattern[("reports-dev-*",)]
    # Release tags match first (lower priority number) and are kept longer.
    assert release["rulePriority"] < branch["rulePriority"]
    assert release["selection"]["countNumber"] > branch["selection"]["countNumber"]
    # What prod and test run is matched before the pull request builds, which cannot expire it.
    assert release["rulePriority"] < prod["rulePriority"] < branch["rulePriority"]
    assert test["rulePriority"] < branch["rulePriority"]
    assert prod["selection"]["countNumber"] == test["selection"]["countNumber"] == 30
    assert ("reports-worker-*",) in by_pattern and ("*",) not in by_pattern
    # reports-* also matches the worker's tags: the worker's rule must come first.
    assert by_pattern[("reports-worker-*",)]["rulePriority"] < branch["rulePriority"]
    assert rules[-1]["selection"]["tagStatus"] == "untagged"
    assert [r["rulePriority"] for r in rules] == list(range(1, len(rules) + 1))


def test_oidc_provider_is_created_or_adopted(foundation):
    provider = foundation.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.inputs["url"] == f"https://{OIDC}"
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]

    existing = f"arn:aws:iam::{AWS_ACCOUNT_ID}:oidc-provider/{OIDC}"
    adopted = run_foundation(
        existingOidcProviderArn=existing,
        invoke_results={
            "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": lambda args: {
                "arn": args["arn"],
                "url": OIDC,
                "clientIdLists": ["sts.amazonaws.com"],
                "thumbprintLists": [],
                "id": args["arn"],
                "tags": {},
            }
        },
    )
    assert not adopted.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert ("aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider", {"arn": existing}) in adopted.invokes
    assert trust_conditions(adopted, "prod")["Principal"]["Federated"] == existing
    assert adopted.outputs["githubOidcProviderArn"] == existing


def test_network_has_public_and_private_subnets_and_no_public_ips(foundation):
    subnets = foundation.of_type("aws:ec2/subnet:Subnet")
    assert sorted(s.name for s in subnets) == sorted(
        f"{kind}-{AWS_REGION}{zone}" for kind in ("public", "private") for zone in "ab"
    )
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
    assert len({s.inputs["cidrBlock"] for s in subnets}) == 4
    private_tables = [t for t in foundation.of_type("aws:ec2/routeTable:RouteTable") if t.name.startswith("private-")]
    assert all(t.inputs["routes"][0]["natGatewayId"] for t in private_tables)
    assert len(foundation.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert ("aws:index/getAvailabilityZones:getAvailabilityZones", {"state": "available"}) in foundation.invokes


def test_existing_vpc_is_reused():
    existing = {
        "vpcId": "vpc-existing",
        "publicSubnetIds": ["subnet-p1", "subnet-p2"],
        "privateSubnetIds": ["subnet-q1"],
    }
    invokes = {"aws:ec2/getVpc:getVpc": lambda args: {"id": args["id"], "cidrBlock": "10.0.0.0/16", "arn": "arn"}}
    result = run_foundation(existingVpc=existing, invoke_results=invokes)
    assert not result.of_type("aws:ec2/vpc:Vpc") and not result.of_type("aws:ec2/subnet:Subnet")
    assert (result.outputs["vpcId"], result.outputs["privateSubnetIds"]) == ("vpc-existing", ["subnet-q1"])
    # A reused VPC is logged too, and turning that off fails the policy all the same.
    assert result.one("aws:ec2/flowLog:FlowLog").inputs["vpcId"] == "vpc-existing"
    unlogged = run_foundation(existingVpc=existing, flowLogs=False, invoke_results=invokes)
    with pytest.raises(PolicyViolationError, match=r"\[vpc-flow-logs\] the foundation stack: records no VPC flow logs"):
        enforce(unlogged.resources, PolicyContext(environment="shared", github_subjects=(REPO_SUBJECT,)))


def test_cluster_offers_fargate_spot_and_container_insights(foundation):
    cluster = foundation.one("aws:ecs/cluster:Cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    providers = foundation.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert providers.inputs["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]


def test_outputs_are_what_service_stacks_read(foundation):
    outputs = foundation.outputs
    assert set(outputs["ciRoleArns"]) == {"test", "prod", "preview"}
    assert outputs["ciRoleArns"]["prod"] == f"arn:aws:iam::{AWS_ACCOUNT_ID}:role/{PROJECT_SLUG}-ci-prod"
    assert outputs["ecrRepositoryUrl"] == f"{AWS_ACCOUNT_ID}.dkr.ecr.{AWS_REGION}.amazonaws.com/{PROJECT_SLUG}"
    assert len(outputs["publicSubnetIds"]) == len(outputs["privateSubnetIds"]) == 2
    assert set(outputs["permissionsBoundaryArns"]) == {"test", "prod", "preview"}
    for key in ("vpcId", "clusterArn", "clusterName", "ecrRepositoryArn", "resourcePrefix"):
        assert outputs[key], key


def test_foundation_ci_role_can_only_read_and_only_from_the_foundation_environment(foundation):
    statement = trust_conditions(foundation, "foundation")
    assert statement["Condition"]["StringEquals"][f"{OIDC}:sub"] == (
        f"repo:{GITHUB_OWNER}/{GITHUB_REPOSITORY}:environment:foundation"
    )
    policy = json.loads(foundation.one("aws:iam/rolePolicy:RolePolicy", "ci-foundation-read").inputs["policy"])
    [read] = policy["Statement"]
    verbs = {action.split(":", 1)[1] for action in read["Action"]}
    assert all(verb.startswith(("Describe", "Get", "List")) for verb in verbs), verbs
    # Descriptions only: no object, parameter or secret values (buckets: their settings only).
    assert not any(a.startswith(("ssm:", "secretsmanager:")) or a == "kms:Decrypt" for a in read["Action"])
    s3 = [a for a in read["Action"] if a.startswith("s3:")]
    assert s3 and not any(a.startswith(("s3:GetObject", "s3:List")) or a in ("s3:Get*", "s3:*") for a in s3), s3
    assert foundation.outputs["foundationPreviewRoleArn"] == (
        f"arn:aws:iam::{AWS_ACCOUNT_ID}:role/{PROJECT_SLUG}-ci-foundation-preview"
    )


def test_foundation_preview_reaches_a_self_managed_state_bucket():
    result = run_foundation(stateBucket="acme-pulumi-state")
    policy = json.loads(result.one("aws:iam/rolePolicy:RolePolicy", "ci-foundation-read").inputs["policy"])
    state = {s["Sid"]: s for s in policy["Statement"]}["PulumiState"]
    assert state["Resource"] == ["arn:aws:s3:::acme-pulumi-state", "arn:aws:s3:::acme-pulumi-state/*"]


def test_wrong_account_credentials_are_refused():
    with pytest.raises(ValueError, match="log in to the right account"):
        run_foundation(account_id="999999999999")


def test_entry_point_pulumi_runs_builds_the_same_stack():
    result = run_foundation(entry=lambda: runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__"))
    assert set(result.outputs) >= {"ecrRepositoryUrl", "ciRoleArns", "vpcId", "clusterArn"}


def test_image_names_come_from_the_services_dockerfiles(tmp_path):
    # This repository's images (more once new services are added); the exact list is checked below.
    found = program.discover_image_names(program.REPOSITORY_ROOT)
    assert {"reports", "reports-worker"} <= set(found) and found == sorted(found)
    for service, part in [("billing", "api"), ("audit", "worker")]:
        (tmp_path / "modules" / service / "backend" / part).mkdir(parents=True)
        (tmp_path / "modules" / service / "backend" / part / "Dockerfile").write_text("FROM scratch\n")
    assert program.discover_image_names(tmp_path) == ["audit-worker", "billing"]


def test_each_environment_has_its_own_rotating_secrets_key_and_alarm_topic(foundation):
    keys = {k.name: k.inputs for k in foundation.of_type("aws:kms/key:Key")}
    assert set(keys) == {"secrets-test", "secrets-prod", "secrets-preview"}
    assert all(k["enableKeyRotation"] is True and k["deletionWindowInDays"] == 30 for k in keys.values())
    aliases = {a.inputs["name"] for a in foundation.of_type("aws:kms/alias:Alias")}
    assert aliases == {f"alias/{PROJECT_SLUG}-{env}-secrets" for env in ("test", "prod", "preview")}
    topics = {t.inputs["name"] for t in foundation.of_type("aws:sns/topic:Topic")}
    assert topics == {f"{PROJECT_SLUG}-{env}-alarms" for env in ("test", "prod", "preview")}
    assert (
        set(foundation.outputs["secretsKeyArns"])
        == set(foundation.outputs["alarmTopicArns"])
        == {"test", "prod", "preview"}
    )
    assert (
        foundation.outputs["alarmTopicArns"]["prod"]
        == f"arn:aws:sns:{AWS_REGION}:{AWS_ACCOUNT_ID}:{PROJECT_SLUG}-prod-alarms"
    )


@pytest.mark.parametrize("environment", ["test", "prod", "preview"])
def test_ci_roles_manage_their_environments_parameters_alarms_and_dashboards_only(foundation, environment):
    statements = {s["Sid"]: s for s in deploy_policy(foundation, environment)["Statement"]}
    prefix = f"{PROJECT_SLUG}-{environment}-*"
    assert statements["OwnParameters"]["Resource"] == f"arn:aws:ssm:{AWS_REGION}:{AWS_ACCOUNT_ID}:parameter/{prefix}"
    assert statements["OwnAlarms"]["Resource"] == f"arn:aws:cloudwatch:{AWS_REGION}:{AWS_ACCOUNT_ID}:alarm:{prefix}"
    assert statements["OwnDashboards"]["Resource"] == f"arn:aws:cloudwatch::{AWS_ACCOUNT_ID}:dashboard/{prefix}"
    key = statements["EnvironmentSecretsKey"]
    assert key["Resource"] == foundation.outputs["secretsKeyArns"][environment]
    assert key["Condition"] == {"StringEquals": {"kms:ViaService": f"ssm.{AWS_REGION}.amazonaws.com"}}


@pytest.mark.parametrize("environment", ["test", "prod", "preview"])
def test_workload_boundary_reaches_only_its_environment_and_reads_parameters_through_ssm(foundation, environment):
    boundary = json.loads(foundation.one("aws:iam/policy:Policy", f"workload-boundary-{environment}").inputs["policy"])
    statements = {s["Sid"]: s for s in boundary["Statement"]}
    prefix = f"{PROJECT_SLUG}-{environment}-*"
    parameters = f"arn:aws:ssm:{AWS_REGION}:{AWS_ACCOUNT_ID}:parameter/{prefix}"
    assert statements["Secrets"]["Action"] == "ssm:GetParameters"
    assert statements["Secrets"]["Resource"] == parameters
    assert statements["DecryptSecretsThroughSsm"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"ssm.{AWS_REGION}.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:PARAMETER_ARN": parameters},
    }
    assert statements["Queues"]["Resource"] == f"arn:aws:sqs:{AWS_REGION}:{AWS_ACCOUNT_ID}:{prefix}"
    assert statements["Buckets"]["Resource"] == [f"arn:aws:s3:::{prefix}", f"arn:aws:s3:::{prefix}/*"]
    assert "xray:PutTraceSegments" in statements["Traces"]["Action"]
    # Nothing of another environment (a preview role cannot be minted to read prod).
    text = json.dumps(boundary)
    assert not any(f"{PROJECT_SLUG}-{other}-" in text for other in {"test", "prod", "preview"} - {environment})
    # The environment's CI role may create roles only with this boundary.
    create = {s["Sid"]: s for s in deploy_policy(foundation, environment)["Statement"]}["CreateRolesWithBoundary"]
    assert create["Condition"]["StringEquals"]["iam:PermissionsBoundary"] == (
        foundation.outputs["permissionsBoundaryArns"][environment]
    )


def test_vpc_flow_logs_record_all_traffic_with_retention(foundation):
    flow_log = foundation.one("aws:ec2/flowLog:FlowLog")
    vpc = foundation.one("aws:ec2/vpc:Vpc")
    group = foundation.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs")
    assert (flow_log.inputs["vpcId"], flow_log.inputs["trafficType"]) == (vpc.id, "ALL")
    assert flow_log.inputs["logDestination"] == group.state["arn"]
    assert group.inputs["retentionInDays"] == 90
    trust = json.loads(foundation.one("aws:iam/role:Role", "flow-logs").inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": AWS_ACCOUNT_ID}}
    assert (
        run_foundation(flowLogRetentionDays=365).one("aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"]
        == 365
    )


def test_foundation_without_flow_logs_fails_the_policy():
    result = run_foundation(flowLogs=False)
    assert not result.of_type("aws:ec2/flowLog:FlowLog")
    with pytest.raises(PolicyViolationError, match=r"\[vpc-flow-logs\] aws:ec2/vpc:Vpc 'vpc': has no flow log"):
        enforce(result.resources, PolicyContext(environment="shared", github_subjects=(REPO_SUBJECT,)))


def test_private_subnets_reach_s3_through_a_gateway_endpoint_by_default(foundation):
    [endpoint] = foundation.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert (endpoint.inputs["vpcEndpointType"], endpoint.inputs["serviceName"]) == (
        "Gateway",
        f"com.amazonaws.{AWS_REGION}.s3",
    )
    private_tables = {
        r.urn for r in foundation.of_type("aws:ec2/routeTable:RouteTable") if r.name.startswith("private-")
    }
    assert set(endpoint.property_dependencies["routeTableIds"]) == private_tables and private_tables


def test_interface_endpoints_are_opt_in_and_take_https_from_the_vpc_only():
    result = run_foundation(interfaceEndpoints=["sqs", "ecr.api", "ecr.dkr", "logs", "ssm", "kms"])
    interface = {
        e.inputs["serviceName"].removeprefix(f"com.amazonaws.{AWS_REGION}."): e.inputs
        for e in result.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs["vpcEndpointType"] == "Interface"
    }
    assert set(interface) == {"sqs", "ecr.api", "ecr.dkr", "logs", "ssm", "kms"}
    assert all(e["privateDnsEnabled"] is True for e in interface.values())
    [ingress] = [
        r.inputs
        for r in result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.name == "endpoints-interface-https"
    ]
    assert (ingress["fromPort"], ingress["toPort"], ingress["cidrIpv4"]) == (443, 443, "10.40.0.0/16")
    with pytest.raises(ValueError, match="\\['sns'\\] are not offered"):
        run_foundation(interfaceEndpoints=["sns"])


def test_each_environment_has_an_encrypted_expiring_access_log_bucket_elb_may_write(foundation):
    buckets = {b.inputs["bucket"] for b in foundation.of_type("aws:s3/bucket:Bucket")}
    for environment in ("test", "prod", "preview"):
        assert f"{PROJECT_SLUG}-{environment}-alb-logs-{AWS_ACCOUNT_ID}" in buckets
    policy = json.loads(
        foundation.one("aws:s3/bucketPolicy:BucketPolicy", "access-logs-prod-tls-only").inputs["policy"]
    )
    [delivery] = [s for s in policy["Statement"] if s["Sid"] == "ElbLogDelivery"]
    assert delivery["Action"] == "s3:PutObject" and delivery["Resource"].endswith(f"/AWSLogs/{AWS_ACCOUNT_ID}/*")
    lifecycle = foundation.one(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "access-logs-prod-expiry"
    )
    assert lifecycle.inputs["rules"][0]["expiration"] == {"days": 90}
