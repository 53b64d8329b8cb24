"""The foundation program under mocks, with the settings committed in Pulumi.shared.yaml."""

import fnmatch
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
from stack.infra.foundation import config as foundation_config
from stack.infra.foundation import program
from stack.infra.policy import PolicyContext, PolicyViolationError, enforce
from stack.infra.testing import (
    PULUMI_VIRTUALENV,
    RecordingMocks,
    foundation_outputs,
    load_stack_config,
    pulumi_project_problems,
    run_program,
)

PROJECT_DIR = Path("stack/infra/foundation")
OIDC = "token.actions.githubusercontent.com"
REPO_SUBJECT = f"repo:{GITHUB_OWNER}/{GITHUB_REPOSITORY}:"
WORKFLOWS = f"{GITHUB_OWNER}/{GITHUB_REPOSITORY}/.github/workflows"
ENVIRONMENTS = ("test", "prod", "preview")


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


@pytest.mark.parametrize(("environment", "ref"), [("test", "refs/heads/dev"), ("prod", "refs/heads/main")])
def test_deploy_roles_trust_only_the_deploy_workflow_of_their_branch_in_their_environment(foundation, environment, ref):
    statement = trust_conditions(foundation, environment)
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].endswith(f":oidc-provider/{OIDC}")
    assert statement["Condition"] == {
        "StringEquals": {
            f"{OIDC}:aud": "sts.amazonaws.com",
            f"{OIDC}:sub": [
                f"repo:{GITHUB_OWNER}/{GITHUB_REPOSITORY}:environment:{environment}"
                f":job_workflow_ref:{WORKFLOWS}/deploy-stacks.yml@{ref}"
            ],
        }
    }


def test_pull_request_roles_trust_their_workflows_at_any_ref(foundation):
    # Pull request jobs run at refs/pull/<n>/merge, so only the ref is open.
    for environment, workflows in (
        ("preview", ["deploy-stacks.yml", "preview.yml", "preview-sweeper.yml"]),
        ("foundation", ["foundation.yml"]),
    ):
        condition = trust_conditions(foundation, environment)["Condition"]
        assert condition["StringEquals"] == {f"{OIDC}:aud": "sts.amazonaws.com"}
        assert condition["StringLike"] == {
            f"{OIDC}:sub": [
                f"repo:{GITHUB_OWNER}/{GITHUB_REPOSITORY}:environment:{environment}:job_workflow_ref:{WORKFLOWS}/{w}@*"
                for w in workflows
            ]
        }


def test_immutable_id_subjects_are_a_config_option():
    result = run_foundation(githubRepositoryOwnerId="1234", githubRepositoryId="5678")
    [subject] = trust_conditions(result, "prod")["Condition"]["StringEquals"][f"{OIDC}:sub"]
    assert subject == (
        f"repository_owner_id:1234:repository_id:5678:environment:prod:job_workflow_ref:{WORKFLOWS}"
        "/deploy-stacks.yml@refs/heads/main"
    )
    assert result.outputs["githubSubjectClaimKeys"] == [
        "repository_owner_id",
        "repository_id",
        "context",
        "job_workflow_ref",
    ]
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
        "rds.amazonaws.com",
    }
    assert statements["OwnDatabases"]["Resource"] == [
        f"arn:aws:rds:{AWS_REGION}:{AWS_ACCOUNT_ID}:{kind}:{prefix}" for kind in ("db", "subgrp", "pg", "snapshot")
    ]
    assert statements["PassOwnRolesToEcs"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    assert statements["ManageTaggedNetworkingAndScaling"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/environment": environment}
    }
    # No role may change its own trust policy (or a task role's) after creating it.
    assert not any("iam:UpdateAssumeRolePolicy" in json.dumps(s) for s in statements.values())
    other = {"test", "prod", "preview"} - {environment}
    text = json.dumps(deploy_policy(foundation, environment))
    assert not any(f"{PROJECT_SLUG}-{name}-" in text for name in other)


@pytest.mark.parametrize("environment", ["test", "prod", "preview"])
def test_only_test_and_prod_roles_may_change_dns_records(foundation, environment):
    # Route 53 records carry no tags: whoever may change one may change any zone's.
    route53 = [
        action
        for statement in deploy_policy(foundation, environment)["Statement"]
        if statement["Effect"] == "Allow"
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
        if action.startswith("route53:")
    ]
    if environment == "preview":
        assert route53 == []
    else:
        assert "route53:ChangeResourceRecordSets" in route53


@pytest.mark.parametrize("environment", ["test", "prod", "preview"])
def test_the_environment_tag_is_set_on_create_and_changed_only_on_own_resources(foundation, environment):
    statements = {s["Sid"]: s for s in deploy_policy(foundation, environment)["Statement"]}
    own = {"aws:RequestTag/environment": environment}
    # On create: only this environment's value, and only as part of the create call.
    assert statements["TagSecurityGroupsOnCreate"]["Condition"] == {
        "StringEquals": {**own, "ec2:CreateAction": ["CreateSecurityGroup"]}
    }
    assert statements["TagLoadBalancingOnCreate"]["Condition"]["StringEquals"]["aws:RequestTag/environment"] == (
        environment
    )
    assert statements["TagScalingTargetsOnCreate"]["Condition"] == {
        "StringEquals": own,
        "Null": {"aws:ResourceTag/environment": "true"},
    }
    # On change: the resource must already carry this environment's tag (no IfExists on it).
    assert statements["RetagOwnResources"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/environment": environment},
        "StringEqualsIfExists": own,
    }
    # Whatever else allows tagging (elasticloadbalancing:*), another environment's value is denied.
    deny = statements["NoOtherEnvironmentsTag"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Null": {"aws:RequestTag/environment": "false"}, "StringNotEquals": own}
    assert set(deny["Action"]) == {
        "acm:AddTagsToCertificate",
        "ec2:CreateTags",
        "elasticloadbalancing:AddTags",
        "application-autoscaling:TagResource",
        "wafv2:TagResource",
    }
    assert (
        statements["TagCertificatesAndWebAclsOnCreate"]["Condition"]
        == statements["TagScalingTargetsOnCreate"]["Condition"]
    )
    # No statement lets an untagged resource count as this environment's.
    adopting = [
        (statement["Sid"], operator)
        for statement in statements.values()
        for operator, keys in statement.get("Condition", {}).items()
        if operator.endswith("IfExists") and any(key.startswith("aws:ResourceTag/") for key in keys)
    ]
    assert adopting == []


def repository_arn(environment):
    return f"arn:aws:ecr:{AWS_REGION}:{AWS_ACCOUNT_ID}:repository/{PROJECT_SLUG}-{environment}"


ECR_WRITES = {"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"}


def ecr_writes_allowed(policy):
    """(action, resource) pairs the policy allows for image-writing actions, wildcards expanded."""
    allowed = set()
    for statement in policy["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            for write in ECR_WRITES:
                wildcard = action.endswith("*") and write.startswith(action[:-1])
                if action == write or wildcard:
                    allowed |= {(write, resource) for resource in resources}
    return allowed


def test_no_role_a_pull_request_can_assume_may_write_an_image_test_or_prod_deploys(foundation):
    trusted = {repository_arn("test"), repository_arn("prod")}
    preview = ecr_writes_allowed(deploy_policy(foundation, "preview"))
    assert preview and {resource for _, resource in preview} == {repository_arn("preview")}
    assert not any(resource in trusted or "*" in resource for _, resource in preview)
    foundation_read = json.loads(foundation.one("aws:iam/rolePolicy:RolePolicy", "ci-foundation-read").inputs["policy"])
    assert ecr_writes_allowed(foundation_read) == set()
    # Test and prod push only to their own repository.
    for environment in ("test", "prod"):
        assert {r for _, r in ecr_writes_allowed(deploy_policy(foundation, environment))} == {
            repository_arn(environment)
        }


def test_each_repository_refuses_pushes_from_anyone_but_its_environments_role(foundation):
    for environment in ENVIRONMENTS:
        policy = foundation.one("aws:ecr/repositoryPolicy:RepositoryPolicy", f"images-{environment}-writer")
        assert policy.inputs["repository"] == f"{PROJECT_SLUG}-{environment}"
        [deny] = json.loads(policy.inputs["policy"])["Statement"]
        assert (deny["Effect"], deny["Principal"]) == ("Deny", "*")
        assert set(deny["Action"]) == ECR_WRITES
        assert deny["Condition"] == {
            "ArnNotEquals": {"aws:PrincipalArn": foundation.outputs["ciRoleArns"][environment]}
        }


def test_ecr_repositories_scan_encrypt_and_never_move_a_tag(foundation):
    repositories = {r.name: r.inputs for r in foundation.of_type("aws:ecr/repository:Repository")}
    assert set(repositories) == {f"images-{env}" for env in ENVIRONMENTS}
    for environment in ENVIRONMENTS:
        repository = repositories[f"images-{environment}"]
        assert repository["name"] == f"{PROJECT_SLUG}-{environment}"
        assert repository["imageTagMutability"] == "IMMUTABLE"
        assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repository["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
    assert foundation.outputs["ecrRepositoryUrls"]["prod"] == (
        f"{AWS_ACCOUNT_ID}.dkr.ecr.{AWS_REGION}.amazonaws.com/{PROJECT_SLUG}-prod"
    )
    statements = {s["Sid"]: s for s in deploy_policy(foundation, "prod")["Statement"]}
    assert statements["EcrLogin"]["Action"] == "ecr:GetAuthorizationToken"


def lifecycle_rules(result, environment):
    policy = result.one("aws:ecr/lifecyclePolicy:LifecyclePolicy", f"images-{environment}-lifecycle")
    rules = json.loads(policy.inputs["policy"])["rules"]
    assert [r["rulePriority"] for r in rules] == list(range(1, len(rules) + 1))
    assert rules[-1]["selection"]["tagStatus"] == "untagged"
    return {tuple(r["selection"].get("tagPatternList", [])): r["selection"]["countNumber"] for r in rules[:-1]}


def reports_rules(result, environment):
    """The example module's rules; a repository with more modules has the same for each."""
    return {k: v for k, v in lifecycle_rules(result, environment).items() if k[0].startswith("reports-")}


def test_lifecycle_rules_keep_each_images_releases_and_deploys_apart_from_previews(foundation):
    assert reports_rules(foundation, "prod") == {
        ("reports-worker-v*",): 50,
        ("reports-v*",): 50,
        ("reports-worker-main-*",): 30,
        ("reports-main-*",): 30,
    }
    assert reports_rules(foundation, "test") == {
        ("reports-worker-v*",): 50,
        ("reports-v*",): 50,
        ("reports-worker-dev-*",): 30,
        ("reports-dev-*",): 30,
    }
    # Pull request builds live apart: no burst of them can expire what test or prod run.
    assert reports_rules(foundation, "preview") == {("reports-worker-pr*",): 20, ("reports-pr*",): 20}
    # Every image found on disk gets the same rules (4 per image in test and prod, 2 in previews).
    images = len(reports_rules(foundation, "preview"))
    assert len(lifecycle_rules(foundation, "prod")) == len(lifecycle_rules(foundation, "test"))
    assert len(lifecycle_rules(foundation, "prod")) == 2 * len(lifecycle_rules(foundation, "preview")) >= 2 * images


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_only_the_environments_own_role_may_write_its_image_provenance_record(foundation, environment):
    # tools/delivery/ecr_images.py records digests at /<repository>-image-digests/<image>.
    record = f"arn:aws:ssm:{AWS_REGION}:{AWS_ACCOUNT_ID}:parameter/{PROJECT_SLUG}-{environment}-image-digests/reports"
    for role in ENVIRONMENTS:
        own = {s["Sid"]: s for s in deploy_policy(foundation, role)["Statement"]}["OwnParameters"]
        assert "ssm:PutParameter" in own["Action"]
        assert fnmatch.fnmatchcase(record, own["Resource"]) is (role == environment), role


def test_retired_settings_are_refused_with_what_changed():
    with pytest.raises(ValueError, match="imageTagMutability.*always immutable"):
        run_foundation(imageTagMutability="MUTABLE")


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
    assert set(outputs["ecrRepositoryUrls"]) == set(outputs["ecrRepositoryArns"]) == set(ENVIRONMENTS)
    assert outputs["ecrRepositoryNames"] == {env: f"{PROJECT_SLUG}-{env}" for env in ENVIRONMENTS}
    assert len(outputs["publicSubnetIds"]) == len(outputs["privateSubnetIds"]) == 2
    assert set(outputs["permissionsBoundaryArns"]) == {"test", "prod", "preview"}
    for key in ("vpcId", "clusterArn", "clusterName", "resourcePrefix"):
        assert outputs[key], key


def test_foundation_ci_role_can_only_read_and_only_from_the_foundation_environment(foundation):
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


def state_statements(policy):
    return {s["Sid"]: s for s in policy["Statement"] if s["Sid"].startswith("PulumiState")}


def test_state_bucket_access_is_per_stack():
    result = run_foundation(stateBucket="acme-pulumi-state")
    bucket = "arn:aws:s3:::acme-pulumi-state"
    foundation_state = f"{bucket}/.pulumi/stacks/{FOUNDATION_PROJECT}/{FOUNDATION_STACK}.json*"
    for environment, stacks in (("test", "test"), ("prod", "prod"), ("preview", "preview-*")):
        state = state_statements(deploy_policy(result, environment))
        written = state["PulumiStateWrite"]["Resource"]
        assert written == [
            f"{bucket}/.pulumi/stacks/*/{stacks}.json*",
            f"{bucket}/.pulumi/backups/*/{stacks}/*",
            f"{bucket}/.pulumi/history/*/{stacks}/*",
            f"{bucket}/.pulumi/locks/*/{stacks}/*",
        ]
        # Nobody writes the whole bucket, or another environment's (or the foundation's) stacks.
        assert not any(r in (bucket, f"{bucket}/*") for r in written)
        assert foundation_state in state["PulumiStateRead"]["Resource"]
        assert not any(FOUNDATION_STACK in r for r in written)
    # The foundation's preview role reads its own stack and may only lock it.
    preview = json.loads(result.one("aws:iam/rolePolicy:RolePolicy", "ci-foundation-read").inputs["policy"])
    state = state_statements(preview)
    assert "PulumiStateWrite" not in state
    assert state["PulumiStateLock"]["Resource"] == [f"{bucket}/.pulumi/locks/{FOUNDATION_PROJECT}/{FOUNDATION_STACK}/*"]
    assert foundation_state in state["PulumiStateRead"]["Resource"]
    assert all(FOUNDATION_PROJECT in r or r.endswith("meta.yaml") for r in state["PulumiStateRead"]["Resource"])


def test_wrong_account_credentials_are_refused():
    with pytest.raises(ValueError, match="log in to the right account"):
        run_foundation(account_id="999999999999")


def test_entry_point_pulumi_runs_builds_the_same_stack():
    result = run_foundation(entry=lambda: runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__"))
    assert set(result.outputs) >= {"ecrRepositoryUrls", "ciRoleArns", "vpcId", "clusterArn"}


def test_image_names_come_from_the_services_dockerfiles(tmp_path):
    # This repository's images (more once new services are added); the exact list is checked below.
    found = foundation_config.discover_image_names(foundation_config.REPOSITORY_ROOT)
    assert {"reports", "reports-worker"} <= set(found) and found == sorted(found)
    for service, part in [("billing", "api"), ("audit", "worker")]:
        (tmp_path / "modules" / service / "backend" / part).mkdir(parents=True)
        (tmp_path / "modules" / service / "backend" / part / "Dockerfile").write_text("FROM scratch\n")
    assert foundation_config.discover_image_names(tmp_path) == ["audit-worker", "billing"]


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


def test_service_tests_mock_the_foundation_outputs_it_really_exports(foundation):
    mocked = foundation_outputs(AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG)
    assert set(mocked) == set(foundation.outputs)
    for key in ("ecrRepositoryUrls", "ecrRepositoryArns", "ciRoleArns", "githubSubjectClaimKeys"):
        assert mocked[key] == foundation.outputs[key], key


def test_each_concern_is_a_component_that_registers_its_outputs(foundation):
    components = [r for r in foundation.resources if r.type.startswith("pantstack:foundation:")]
    assert {c.type.rsplit(":", 1)[1] for c in components} == {
        "CiRole",
        "EnvironmentResources",
        "FlowLogs",
        "FoundationPreviewRole",
        "ImageRepositories",
        "Network",
    }
    assert all(c.registered_outputs for c in components), [c.label for c in components if not c.registered_outputs]
    children = {
        ("aws:iam/role:Role", "ci-prod"): ("pantstack:foundation:CiRole", "ci-prod"),
        ("aws:ecr/repository:Repository", "images-prod"): ("pantstack:foundation:ImageRepositories", "images"),
        ("aws:ec2/vpc:Vpc", "vpc"): ("pantstack:foundation:Network", "network"),
        ("aws:kms/key:Key", "secrets-prod"): ("pantstack:foundation:EnvironmentResources", "prod"),
        ("pantstack:aws:PrivateBucket", "access-logs-prod"): ("pantstack:foundation:EnvironmentResources", "prod"),
        ("pantstack:aws:VpcEndpoints", "endpoints"): ("pantstack:foundation:Network", "network"),
    }
    for (child_type, child), (parent_type, parent) in children.items():
        assert foundation.one(child_type, child).parent_urn == foundation.one(parent_type, parent).urn
