"""The foundation program: ECR, GitHub OIDC, CI/CD roles, network and ECS cluster.

``main`` is what ``pulumi up`` runs (through __main__.py); the tests run it under mocks.
Everything a service stack needs is exported (see ``docs/infrastructure.md``).
"""

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from stack.infra.components.vpc_endpoints import VpcEndpoints
from stack.infra.conventions import ENVIRONMENTS, PROJECT_SLUG, environment_name_pattern, image_name, tags_for
from stack.infra.foundation.environment_resources import create_environment_resources, create_flow_logs

# The repository root: service images are found under modules/ (see discover_image_names).
REPOSITORY_ROOT = Path(__file__).resolve().parents[3]

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_HOST = GITHUB_OIDC_URL.removeprefix("https://")


def _int_or(value: int | None, default: int) -> int:
    # Unlike `value or default`, keeps an explicit 0.
    return default if value is None else value


def _bool_or(value: bool | None, default: bool) -> bool:
    return default if value is None else value


@dataclass(frozen=True)
class FoundationConfig:
    account_id: str
    github_owner: str
    github_repository: str
    image_names: tuple[str, ...]
    github_owner_id: str | None = None
    github_repository_id: str | None = None
    existing_oidc_provider_arn: str | None = None
    existing_vpc: Mapping[str, Any] | None = None
    vpc_cidr: str = "10.40.0.0/16"
    availability_zones: int = 2
    nat_gateways: int = 1
    release_images_to_keep: int = 50
    deployed_images_to_keep: int = 30
    branch_images_to_keep: int = 20
    untagged_image_days: int = 7
    image_tag_mutability: str = "IMMUTABLE"
    state_bucket: str | None = None
    flow_logs: bool = True
    flow_log_retention_days: int = 90
    # Interface endpoints of the private subnets (components.vpc_endpoints); S3's is always there.
    interface_endpoints: tuple[str, ...] = ()

    @classmethod
    def load(cls) -> "FoundationConfig":
        config = pulumi.Config()
        return cls(
            account_id=config.require("awsAccountId"),
            github_owner=config.require("githubOwner"),
            github_repository=config.require("githubRepository"),
            image_names=tuple(config.get_object("imageNames") or discover_image_names(REPOSITORY_ROOT)),
            github_owner_id=config.get("githubRepositoryOwnerId"),
            github_repository_id=config.get("githubRepositoryId"),
            existing_oidc_provider_arn=config.get("existingOidcProviderArn"),
            existing_vpc=config.get_object("existingVpc"),
            vpc_cidr=config.get("vpcCidr") or cls.vpc_cidr,
            availability_zones=config.get_int("availabilityZones") or cls.availability_zones,
            nat_gateways=_int_or(config.get_int("natGateways"), cls.nat_gateways),
            release_images_to_keep=config.get_int("releaseImagesToKeep") or cls.release_images_to_keep,
            deployed_images_to_keep=config.get_int("deployedImagesToKeep") or cls.deployed_images_to_keep,
            branch_images_to_keep=config.get_int("branchImagesToKeep") or cls.branch_images_to_keep,
            untagged_image_days=config.get_int("untaggedImageDays") or cls.untagged_image_days,
            image_tag_mutability=config.get("imageTagMutability") or cls.image_tag_mutability,
            state_bucket=config.get("stateBucket"),
            flow_logs=_bool_or(config.get_bool("flowLogs"), cls.flow_logs),
            flow_log_retention_days=config.get_int("flowLogRetentionDays") or cls.flow_log_retention_days,
            interface_endpoints=tuple(config.get_object("interfaceEndpoints") or ()),
        )

    def github_subject(self, environment: str) -> str:
        """The ``sub`` claim of a job that runs in GitHub environment ``environment``.

        By default ``repo:<owner>/<repo>:environment:<env>``. With both numeric ids set, the
        immutable form that survives renames and cannot be taken over by a re-created
        repository of the same name (the repository's OIDC subject template must include
        repository_owner_id, repository_id and environment).
        """
        if self.github_owner_id and self.github_repository_id:
            return (
                f"repository_owner_id:{self.github_owner_id}:repository_id:{self.github_repository_id}"
                f":environment:{environment}"
            )
        return f"repo:{self.github_owner}/{self.github_repository}:environment:{environment}"


def discover_image_names(root: Path) -> list[str]:
    """Every service image the repository builds: one per modules/<svc>/backend/<part>/Dockerfile.

    A service added later gets its lifecycle rules at the foundation's next `pulumi up`
    without a settings change; `imageNames` in the stack settings overrides the list.
    """
    return sorted(
        image_name(dockerfile.parents[2].name, dockerfile.parent.name)
        for dockerfile in root.glob("modules/*/backend/*/Dockerfile")
    )


# The branches whose pushes deploy (dev -> test, main -> prod), so whose builds run somewhere.
DEPLOY_BRANCHES = ("main", "dev")


def ecr_lifecycle_policy(
    image_names: Sequence[str], *, releases: int, deployed: int, branches: int, untagged_days: int
) -> str:
    """Rules per image name, so a busy service never expires another service's images.

    ECR applies rules in priority order and an image matched by one rule is never expired by
    a later one: release tags (``<image>-v*``) are matched first and kept longest, then the
    builds of the deploy branches (``<image>-main-*``, ``<image>-dev-*``: what test and prod
    run, so a burst of pull request builds can never expire them), then every other build.
    Longer names go first, because ``reports-*`` also matches ``reports-worker-...`` tags:
    the worker's own rules must see them before the API's do.
    """
    rules: list[dict[str, Any]] = []
    image_names = sorted(image_names, key=lambda name: (-len(name), name))

    def keep(count: int, pattern: str, what: str) -> dict[str, Any]:
        return {
            "description": f"keep the last {count} {what}",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": [pattern],
                "countType": "imageCountMoreThan",
                "countNumber": count,
            },
            "action": {"type": "expire"},
        }

    for image in image_names:
        rules.append(keep(releases, f"{image}-v*", f"releases of {image}"))
    for image in image_names:
        for branch in DEPLOY_BRANCHES:
            rules.append(keep(deployed, f"{image}-{branch}-*", f"{branch} builds of {image}"))
    for image in image_names:
        rules.append(keep(branches, f"{image}-*", f"branch and pull request builds of {image}"))
    rules.append(
        {
            "description": f"expire untagged images after {untagged_days} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_days,
            },
            "action": {"type": "expire"},
        }
    )
    for priority, rule in enumerate(rules, start=1):
        rule["rulePriority"] = priority
    return json.dumps({"rules": rules})


def github_trust_policy(provider_arn: str, subject: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                            f"{GITHUB_OIDC_HOST}:sub": subject,
                        }
                    },
                }
            ],
        }
    )


def ecr_push_statements(repository_arn: str) -> list[dict[str, Any]]:
    return [
        {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "EcrPushPull",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:CompleteLayerUpload",
                "ecr:DescribeImages",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ],
            "Resource": repository_arn,
        },
    ]


SERVICE_LINKED_ROLE_SERVICES = (
    "ecs.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
)


def deploy_statements(
    environment: str,
    *,
    account_id: str,
    region: str,
    cluster_name: str,
    boundary_arn: str,
    state_bucket: str | None,
    secrets_key_arn: str | None = None,
) -> list[dict[str, Any]]:
    """What a service stack's `pulumi up` needs in one environment, and no more.

    Named resources (queues, buckets, roles, log groups, ECS services) are limited to the
    environment's name prefix; resources AWS names itself (load balancers, security groups,
    scaling policies) to those tagged with the environment. Roles may only be created with
    the permissions boundary attached, so a deploy cannot mint a more powerful role.
    """
    pattern = environment_name_pattern(environment)
    tagged = {"StringEquals": {"aws:ResourceTag/environment": environment}}
    tagging = {"StringEquals": {"aws:RequestTag/environment": environment}}
    # Tags may be set on new resources and on this environment's own, never on another
    # environment's: re-tagging a prod load balancer "preview" must not hand it to preview.
    retagging = {**tagging, "StringEqualsIfExists": {"aws:ResourceTag/environment": environment}}
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadOnlyDiscovery",
            "Effect": "Allow",
            "Action": [
                "application-autoscaling:Describe*",
                "cloudwatch:Describe*",
                "ec2:Describe*",
                "ecs:Describe*",
                "ecs:List*",
                "elasticloadbalancing:Describe*",
                "logs:Describe*",
                "logs:ListTagsForResource",
                "sqs:ListQueues",
                "ecs:RegisterTaskDefinition",
                "ecs:DeregisterTaskDefinition",
            ],
            "Resource": "*",
        },
        {
            "Sid": "OwnQueues",
            "Effect": "Allow",
            "Action": "sqs:*",
            "Resource": f"arn:aws:sqs:{region}:{account_id}:{pattern}",
        },
        {
            "Sid": "OwnBuckets",
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{pattern}", f"arn:aws:s3:::{pattern}/*"],
        },
        {
            "Sid": "OwnLogGroups",
            "Effect": "Allow",
            "Action": "logs:*",
            "Resource": f"arn:aws:logs:{region}:{account_id}:log-group:/ecs/{pattern}",
        },
        {
            "Sid": "OwnServices",
            "Effect": "Allow",
            "Action": "ecs:*",
            "Resource": f"arn:aws:ecs:{region}:{account_id}:service/{cluster_name}/{pattern}",
        },
        {
            "Sid": "CreateRolesWithBoundary",
            "Effect": "Allow",
            "Action": ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"],
            "Resource": f"arn:aws:iam::{account_id}:role/{pattern}",
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary_arn}},
        },
        {
            "Sid": "ManageOwnRoles",
            "Effect": "Allow",
            "Action": [
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:ListRolePolicies",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
            ],
            "Resource": f"arn:aws:iam::{account_id}:role/{pattern}",
        },
        {
            # A new account has no service-linked roles yet: the first load balancer, ECS
            # service or scaling target creates its own. Only these three services' roles.
            "Sid": "ServiceLinkedRoles",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": f"arn:aws:iam::{account_id}:role/aws-service-role/*",
            "Condition": {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLE_SERVICES)}},
        },
        {
            "Sid": "PassOwnRolesToEcs",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"arn:aws:iam::{account_id}:role/{pattern}",
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
        {
            "Sid": "CreateTaggedNetworkingAndScaling",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateSecurityGroup",
                "elasticloadbalancing:CreateLoadBalancer",
                "elasticloadbalancing:CreateTargetGroup",
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:CreateRule",
                "application-autoscaling:RegisterScalableTarget",
                # An API's certificate and WAF web ACL (stack.infra.components.edge).
                "acm:RequestCertificate",
                "wafv2:CreateWebACL",
            ],
            "Resource": "*",
            "Condition": tagging,
        },
        {
            "Sid": "TagOwnNetworkingAndScaling",
            "Effect": "Allow",
            "Action": ["ec2:CreateTags", "elasticloadbalancing:AddTags", "application-autoscaling:TagResource"],
            "Resource": "*",
            "Condition": retagging,
        },
        {
            "Sid": "ManageTaggedNetworkingAndScaling",
            "Effect": "Allow",
            "Action": [
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:ModifySecurityGroupRules",
                "ec2:DeleteSecurityGroup",
                "elasticloadbalancing:*",
                "application-autoscaling:*",
                "acm:*",
                "wafv2:*",
            ],
            "Resource": "*",
            "Condition": tagged,
        },
        {
            # The DNS validation record and alias of an API's `domain` setting. Route 53
            # records carry no tags: any hosted zone the account delegates to this repo.
            "Sid": "ApiDomainRecords",
            "Effect": "Allow",
            "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetHostedZone"],
            "Resource": "arn:aws:route53:::hostedzone/*",
        },
        {
            "Sid": "ApiDomainChanges",
            "Effect": "Allow",
            "Action": "route53:GetChange",
            "Resource": "arn:aws:route53:::change/*",
        },
        {
            "Sid": "ScalingAlarms",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"],
            # Target tracking creates its alarms with the caller's permissions.
            "Resource": f"arn:aws:cloudwatch:{region}:{account_id}:alarm:"
            f"TargetTracking-service/{cluster_name}/{pattern}",
        },
    ]
    statements += observability_and_secrets_statements(
        pattern, account_id=account_id, region=region, secrets_key_arn=secrets_key_arn
    )
    if state_bucket:
        statements.append(pulumi_state_statement(state_bucket))
    return statements


def pulumi_state_statement(state_bucket: str) -> dict[str, Any]:
    """Reading and writing a self-managed (S3) backend's state, lock files included."""
    return {
        "Sid": "PulumiState",
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{state_bucket}", f"arn:aws:s3:::{state_bucket}/*"],
    }


def observability_and_secrets_statements(
    pattern: str, *, account_id: str, region: str, secrets_key_arn: str | None
) -> list[dict[str, Any]]:
    """Alarms, dashboards and SecureString parameters under the environment's name prefix;
    the environment's own KMS key, only through SSM (parameter values are written with it)."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "OwnAlarms",
            "Effect": "Allow",
            "Action": [
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
                "cloudwatch:ListTagsForResource",
            ],
            "Resource": f"arn:aws:cloudwatch:{region}:{account_id}:alarm:{pattern}",
        },
        {
            "Sid": "OwnDashboards",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
            "Resource": f"arn:aws:cloudwatch::{account_id}:dashboard/{pattern}",
        },
        {
            "Sid": "OwnParameters",
            "Effect": "Allow",
            "Action": [
                "ssm:PutParameter",
                "ssm:DeleteParameter",
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:AddTagsToResource",
                "ssm:RemoveTagsFromResource",
                "ssm:ListTagsForResource",
            ],
            "Resource": f"arn:aws:ssm:{region}:{account_id}:parameter/{pattern}",
        },
        # DescribeParameters has no resource-level permissions.
        {"Sid": "DescribeParameters", "Effect": "Allow", "Action": "ssm:DescribeParameters", "Resource": "*"},
    ]
    if secrets_key_arn:
        statements.append(
            {
                "Sid": "EnvironmentSecretsKey",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                "Resource": secrets_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"}},
            }
        )
    return statements


def permissions_boundary(account_id: str, region: str, environment: str) -> str:
    """The most any role a deploy to ``environment`` creates may ever do: that environment's
    queues, buckets, logs and secrets, and image pulls. No IAM, nothing of another
    environment (a preview deploy cannot mint a role that reads prod data)."""
    prefix = environment_name_pattern(environment)
    own_parameters = f"arn:aws:ssm:{region}:{account_id}:parameter/{prefix}"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Queues",
                    "Effect": "Allow",
                    "Action": "sqs:*",
                    "Resource": f"arn:aws:sqs:{region}:{account_id}:{prefix}",
                },
                {
                    "Sid": "Buckets",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                    "Resource": [f"arn:aws:s3:::{prefix}", f"arn:aws:s3:::{prefix}/*"],
                },
                {
                    "Sid": "Logs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"arn:aws:logs:{region}:{account_id}:log-group:/ecs/{prefix}",
                },
                {
                    "Sid": "Secrets",
                    "Effect": "Allow",
                    "Action": "ssm:GetParameters",
                    "Resource": own_parameters,
                },
                {
                    "Sid": "DecryptSecretsThroughSsm",
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": f"arn:aws:kms:{region}:{account_id}:key/*",
                    "Condition": {
                        "StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"},
                        # Only for this environment's parameters, whichever key encrypts them.
                        "StringLike": {"kms:EncryptionContext:PARAMETER_ARN": own_parameters},
                    },
                },
                {
                    "Sid": "Traces",
                    "Effect": "Allow",
                    "Action": [
                        "xray:GetSamplingRules",
                        "xray:GetSamplingStatisticSummaries",
                        "xray:GetSamplingTargets",
                        "xray:PutTelemetryRecords",
                        "xray:PutTraceSegments",
                    ],
                    "Resource": "*",
                },
                {
                    "Sid": "Images",
                    "Effect": "Allow",
                    "Action": [
                        "ecr:GetAuthorizationToken",
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                    ],
                    "Resource": "*",
                },
            ],
        }
    )


@dataclass(frozen=True)
class Network:
    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    cidr: pulumi.Input[str] = ""
    # Where the S3 gateway endpoint adds its route; a reused VPC names them (or has its own).
    private_route_table_ids: Sequence[pulumi.Input[str]] = ()


def create_network(config: FoundationConfig, tags: Mapping[str, str]) -> Network:
    """A VPC with a public and a private subnet per availability zone; private subnets
    reach the internet (ECR, SQS, S3) through NAT gateways (``natGateways``: 0 for none,
    1 shared, or one per zone)."""
    if config.existing_vpc:
        existing = aws.ec2.get_vpc_output(id=config.existing_vpc["vpcId"])
        return Network(
            vpc_id=existing.id,
            public_subnet_ids=list(config.existing_vpc["publicSubnetIds"]),
            private_subnet_ids=list(config.existing_vpc["privateSubnetIds"]),
            cidr=existing.cidr_block,
            private_route_table_ids=list(config.existing_vpc.get("privateRouteTableIds") or ()),
        )
    zones = aws.get_availability_zones(state="available").names[: config.availability_zones]
    if len(zones) < config.availability_zones:
        raise ValueError(
            f"the region has {len(zones)} available zones; availabilityZones asks for {config.availability_zones}"
        )
    blocks = list(ipaddress.ip_network(config.vpc_cidr).subnets(new_prefix=20))
    if len(blocks) < 2 * len(zones):
        raise ValueError(f"vpcCidr {config.vpc_cidr} is too small for {2 * len(zones)} /20 subnets")

    def named(name: str) -> dict[str, str]:
        return {**tags, "Name": f"{PROJECT_SLUG}-{name}"}

    vpc = aws.ec2.Vpc(
        "vpc", cidr_block=config.vpc_cidr, enable_dns_hostnames=True, enable_dns_support=True, tags=named("vpc")
    )
    gateway = aws.ec2.InternetGateway("igw", vpc_id=vpc.id, tags=named("igw"))
    public_routes = aws.ec2.RouteTable(
        "public-routes",
        vpc_id=vpc.id,
        routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
        tags=named("public"),
    )
    public_ids: list[pulumi.Output[str]] = []
    private_ids: list[pulumi.Output[str]] = []
    private_tables: list[pulumi.Output[str]] = []
    nat_ids: list[pulumi.Output[str]] = []
    for index, zone in enumerate(zones):
        public = aws.ec2.Subnet(
            f"public-{zone}",
            vpc_id=vpc.id,
            availability_zone=zone,
            cidr_block=str(blocks[index]),
            map_public_ip_on_launch=False,
            tags=named(f"public-{zone}"),
        )
        aws.ec2.RouteTableAssociation(f"public-{zone}", subnet_id=public.id, route_table_id=public_routes.id)
        public_ids.append(public.id)
        if index < config.nat_gateways:
            address = aws.ec2.Eip(f"nat-{zone}", domain="vpc", tags=named(f"nat-{zone}"))
            nat = aws.ec2.NatGateway(
                f"nat-{zone}",
                allocation_id=address.id,
                subnet_id=public.id,
                tags=named(f"nat-{zone}"),
                opts=pulumi.ResourceOptions(depends_on=[gateway]),
            )
            nat_ids.append(nat.id)
    for index, zone in enumerate(zones):
        private = aws.ec2.Subnet(
            f"private-{zone}",
            vpc_id=vpc.id,
            availability_zone=zone,
            cidr_block=str(blocks[len(zones) + index]),
            map_public_ip_on_launch=False,
            tags=named(f"private-{zone}"),
        )
        routes = (
            [aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat_ids[index % len(nat_ids)])]
            if nat_ids
            else []
        )
        table = aws.ec2.RouteTable(f"private-{zone}", vpc_id=vpc.id, routes=routes, tags=named(f"private-{zone}"))
        aws.ec2.RouteTableAssociation(f"private-{zone}", subnet_id=private.id, route_table_id=table.id)
        private_ids.append(private.id)
        private_tables.append(table.id)
    return Network(
        vpc_id=vpc.id,
        public_subnet_ids=public_ids,
        private_subnet_ids=private_ids,
        cidr=vpc.cidr_block,
        private_route_table_ids=private_tables,
    )


def create_ci_role(
    environment: str,
    *,
    config: FoundationConfig,
    region: str,
    provider_arn: pulumi.Output[str],
    repository_arn: pulumi.Output[str],
    boundary_arn: pulumi.Output[str],
    cluster_name: pulumi.Output[str],
    secrets_key_arn: pulumi.Output[str],
    tags: Mapping[str, str],
) -> pulumi.Output[str]:
    """The role GitHub Actions jobs in GitHub environment ``environment`` assume."""

    def policy(values: list[str]) -> str:
        repository, boundary, cluster, secrets_key = values
        statements = ecr_push_statements(repository) + deploy_statements(
            environment,
            account_id=config.account_id,
            region=region,
            cluster_name=cluster,
            boundary_arn=boundary,
            state_bucket=config.state_bucket,
            secrets_key_arn=secrets_key,
        )
        return json.dumps({"Version": "2012-10-17", "Statement": statements})

    def trust(arn: str) -> str:
        return github_trust_policy(arn, config.github_subject(environment))

    role = aws.iam.Role(
        f"ci-{environment}",
        name=f"{PROJECT_SLUG}-ci-{environment}",
        description=f"Assumed by GitHub Actions jobs in the {environment!r} environment of this repository",
        assume_role_policy=provider_arn.apply(trust),
        max_session_duration=3600,
        tags={**tags, "deploys-to": environment},
    )
    aws.iam.RolePolicy(
        f"ci-{environment}-deploy",
        role=role.name,
        policy=pulumi.Output.all(repository_arn, boundary_arn, cluster_name, secrets_key_arn).apply(policy),
    )
    return role.arn


# What `pulumi preview --refresh` of the foundation reads: descriptions and policies of
# its resources, never data (no object, parameter or secret values), and no writes.
FOUNDATION_READ_ACTIONS = (
    "ec2:Describe*",
    "ecr:DescribeRepositories",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRepositoryPolicy",
    "ecr:ListTagsForResource",
    "ecs:DescribeClusters",
    "ecs:DescribeCapacityProviders",
    "ecs:ListTagsForResource",
    "iam:GetOpenIDConnectProvider",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:ListPolicyVersions",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "logs:DescribeLogGroups",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "sns:GetTopicAttributes",
    "sns:ListTagsForResource",
    "sns:ListSubscriptionsByTopic",
    # The access log buckets' settings (never their objects: no s3:GetObject, no listing).
    "s3:GetBucket*",
    "s3:GetAccelerateConfiguration",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
)


def create_foundation_preview_role(
    *, config: FoundationConfig, provider_arn: pulumi.Output[str], tags: Mapping[str, str]
) -> pulumi.Output[str]:
    """The role foundation.yml assumes (GitHub environment ``foundation``) to preview a
    foundation change. Applying one stays with a person: the foundation decides what CI
    may do, so CI must not be able to widen its own permissions."""
    role = aws.iam.Role(
        "ci-foundation",
        name=f"{PROJECT_SLUG}-ci-foundation-preview",
        description="Assumed by GitHub Actions to preview (never apply) foundation changes",
        assume_role_policy=provider_arn.apply(
            lambda arn: github_trust_policy(arn, config.github_subject("foundation"))
        ),
        max_session_duration=3600,
        tags={**tags, "deploys-to": "nothing"},
    )
    statements: list[dict[str, Any]] = [
        {"Sid": "ReadFoundation", "Effect": "Allow", "Action": list(FOUNDATION_READ_ACTIONS), "Resource": "*"}
    ]
    if config.state_bucket:
        # A preview reads the stack's state and takes the backend's lock.
        statements.append(pulumi_state_statement(config.state_bucket))
    aws.iam.RolePolicy(
        "ci-foundation-read",
        role=role.name,
        policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    return role.arn


def main() -> None:
    config = FoundationConfig.load()
    tags = tags_for("shared", pulumi.get_stack())
    identity = aws.get_caller_identity()
    if identity.account_id != config.account_id:
        raise ValueError(
            f"these credentials are for AWS account {identity.account_id}, but the foundation is configured "
            f"for {config.account_id} (awsAccountId): log in to the right account"
        )
    region = aws.get_region().region

    repository = aws.ecr.Repository(
        "images",
        name=PROJECT_SLUG,
        image_tag_mutability=config.image_tag_mutability,
        image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
        encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")],
        tags=tags,
    )
    aws.ecr.LifecyclePolicy(
        "images-lifecycle",
        repository=repository.name,
        policy=ecr_lifecycle_policy(
            config.image_names,
            releases=config.release_images_to_keep,
            deployed=config.deployed_images_to_keep,
            branches=config.branch_images_to_keep,
            untagged_days=config.untagged_image_days,
        ),
    )

    if config.existing_oidc_provider_arn:
        # An account holds one provider per URL: adopt it (read only, never deleted here).
        provider_arn: pulumi.Output[str] = aws.iam.get_open_id_connect_provider_output(
            arn=config.existing_oidc_provider_arn
        ).arn
    else:
        provider_arn = aws.iam.OpenIdConnectProvider(
            "github", url=GITHUB_OIDC_URL, client_id_lists=["sts.amazonaws.com"], tags=tags
        ).arn

    boundaries = {
        environment: aws.iam.Policy(
            f"workload-boundary-{environment}",
            name=f"{PROJECT_SLUG}-{environment}-workload-boundary",
            description=f"Permissions boundary of every role the {environment} service stacks create",
            policy=permissions_boundary(config.account_id, region, environment),
            tags=tags,
        )
        for environment in ENVIRONMENTS
    }
    cluster = aws.ecs.Cluster(
        "cluster",
        name=PROJECT_SLUG,
        settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
        tags=tags,
    )
    aws.ecs.ClusterCapacityProviders(
        "cluster-capacity",
        cluster_name=cluster.name,
        capacity_providers=["FARGATE", "FARGATE_SPOT"],
        default_capacity_provider_strategies=[
            aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(capacity_provider="FARGATE", weight=1)
        ],
    )

    per_environment = {
        environment: create_environment_resources(environment, account_id=config.account_id, tags=tags)
        for environment in ENVIRONMENTS
    }
    ci_roles = {
        environment: create_ci_role(
            environment,
            config=config,
            region=region,
            provider_arn=provider_arn,
            repository_arn=repository.arn,
            boundary_arn=boundaries[environment].arn,
            cluster_name=cluster.name,
            secrets_key_arn=per_environment[environment].secrets_key_arn,
            tags=tags,
        )
        for environment in ENVIRONMENTS
    }

    network = create_network(config, tags)
    VpcEndpoints(
        "endpoints",
        vpc_id=network.vpc_id,
        vpc_cidr=network.cidr,
        region=region,
        route_table_ids=network.private_route_table_ids,
        subnet_ids=network.private_subnet_ids,
        interface_services=config.interface_endpoints,
        tags=tags,
    )
    if config.flow_logs:
        create_flow_logs(
            network.vpc_id, account_id=config.account_id, retention_days=config.flow_log_retention_days, tags=tags
        )

    pulumi.export("awsAccountId", config.account_id)
    pulumi.export("awsRegion", region)
    pulumi.export("resourcePrefix", PROJECT_SLUG)
    pulumi.export("ecrRepositoryUrl", repository.repository_url)
    pulumi.export("ecrRepositoryArn", repository.arn)
    pulumi.export("ecrRepositoryName", repository.name)
    pulumi.export("githubOidcProviderArn", provider_arn)
    pulumi.export("ciRoleArns", ci_roles)
    pulumi.export(
        "foundationPreviewRoleArn",
        create_foundation_preview_role(config=config, provider_arn=provider_arn, tags=tags),
    )
    pulumi.export("permissionsBoundaryArns", {env: boundary.arn for env, boundary in boundaries.items()})
    pulumi.export("clusterArn", cluster.arn)
    pulumi.export("clusterName", cluster.name)
    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("publicSubnetIds", network.public_subnet_ids)
    pulumi.export("privateSubnetIds", network.private_subnet_ids)
    pulumi.export("secretsKeyArns", {env: res.secrets_key_arn for env, res in per_environment.items()})
    pulumi.export("alarmTopicArns", {env: res.alarm_topic_arn for env, res in per_environment.items()})
    pulumi.export("accessLogBuckets", {env: res.access_log_bucket for env, res in per_environment.items()})
