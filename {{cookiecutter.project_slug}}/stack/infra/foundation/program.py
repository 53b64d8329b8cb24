"""The foundation program: image repositories, GitHub OIDC, CI/CD roles, network, ECS cluster.

``main`` is what ``pulumi up`` runs (through __main__.py); the tests run it under mocks.
Each concern is its own module and component: ``images`` (one ECR repository per
environment), ``ci_roles`` with ``deploy_policy`` (who may deploy what), ``github_oidc`` (which
jobs each role trusts), ``network`` (with its VPC endpoints), ``environment_resources``
(secrets keys, alarm topics, access log buckets, flow logs) and ``workload_boundary``.
Everything a service stack needs is exported (see ``docs/infrastructure.md``).
"""

import pulumi
import pulumi_aws as aws

from stack.infra.conventions import ENVIRONMENTS, PROJECT_SLUG, tags_for
from stack.infra.foundation.ci_roles import CiRole, FoundationPreviewRole, ci_role_arn
from stack.infra.foundation.config import FoundationConfig
from stack.infra.foundation.environment_resources import EnvironmentResources, FlowLogs
from stack.infra.foundation.github_oidc import github_oidc_provider
from stack.infra.foundation.images import ImageRepositories, ImageRetention
from stack.infra.foundation.network import Network
from stack.infra.foundation.workload_boundary import permissions_boundary


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

    images = ImageRepositories(
        "images",
        image_names=config.image_names,
        retention=ImageRetention(
            releases=config.release_images_to_keep,
            deployed=config.deployed_images_to_keep,
            previews=config.preview_images_to_keep,
            untagged_days=config.untagged_image_days,
        ),
        writer_role_arns={env: ci_role_arn(config.account_id, env) for env in ENVIRONMENTS},
        tags=tags,
    )
    provider_arn = github_oidc_provider(config.existing_oidc_provider_arn, tags)

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
        environment: EnvironmentResources(environment, account_id=config.account_id, tags=tags)
        for environment in ENVIRONMENTS
    }
    ci_roles = {
        environment: CiRole(
            environment,
            github=config.github,
            account_id=config.account_id,
            region=region,
            provider_arn=provider_arn,
            repository_arn=images.arns[environment],
            boundary_arn=boundaries[environment].arn,
            cluster_name=cluster.name,
            secrets_key_arn=per_environment[environment].secrets_key_arn,
            state_bucket=config.state_bucket,
            tags=tags,
        ).arn
        for environment in ENVIRONMENTS
    }
    foundation_preview = FoundationPreviewRole(
        github=config.github, provider_arn=provider_arn, state_bucket=config.state_bucket, tags=tags
    )

    network = Network(
        "network",
        cidr=config.vpc_cidr,
        availability_zones=config.availability_zones,
        nat_gateways=config.nat_gateways,
        region=region,
        tags=tags,
        existing=config.existing_vpc,
        interface_endpoints=config.interface_endpoints,
    )
    if config.flow_logs:
        FlowLogs(
            "flow-logs",
            vpc_id=network.vpc_id,
            account_id=config.account_id,
            retention_days=config.flow_log_retention_days,
            tags=tags,
        )

    pulumi.export("awsAccountId", config.account_id)
    pulumi.export("awsRegion", region)
    pulumi.export("resourcePrefix", PROJECT_SLUG)
    pulumi.export("ecrRepositoryUrls", images.urls)
    pulumi.export("ecrRepositoryArns", images.arns)
    pulumi.export("ecrRepositoryNames", images.names)
    pulumi.export("githubOidcProviderArn", provider_arn)
    pulumi.export("githubSubjectClaimKeys", list(config.github.subject_claim_keys))
    pulumi.export("ciRoleArns", ci_roles)
    pulumi.export("foundationPreviewRoleArn", foundation_preview.arn)
    pulumi.export("permissionsBoundaryArns", {env: boundary.arn for env, boundary in boundaries.items()})
    pulumi.export("clusterArn", cluster.arn)
    pulumi.export("clusterName", cluster.name)
    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("publicSubnetIds", network.public_subnet_ids)
    pulumi.export("privateSubnetIds", network.private_subnet_ids)
    pulumi.export("secretsKeyArns", {env: res.secrets_key_arn for env, res in per_environment.items()})
    pulumi.export("alarmTopicArns", {env: res.alarm_topic_arn for env, res in per_environment.items()})
    pulumi.export("accessLogBuckets", {env: res.access_log_bucket for env, res in per_environment.items()})
