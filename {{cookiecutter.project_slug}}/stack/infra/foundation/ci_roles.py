"""The roles GitHub Actions jobs assume: one per environment, and the foundation's preview role.

Each trusts exactly the jobs ``github_oidc.TRUSTED_JOBS`` names for its GitHub environment
(the ``sub`` of their OIDC token), and may do what ``deploy_policy`` lists for it.
"""

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from stack.infra.conventions import FOUNDATION_PROJECT, FOUNDATION_STACK, ci_role_name
from stack.infra.foundation.aliases import moved_into
from stack.infra.foundation.deploy_policy import deploy_statements, ecr_push_statements, pulumi_state_statements
from stack.infra.foundation.github_oidc import GitHubRepository, github_trust_policy


def ci_role_arn(account_id: str, environment: str) -> str:
    """Known before the role exists: repository policies name it (images.py)."""
    return f"arn:aws:iam::{account_id}:role/{ci_role_name(environment)}"


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


class CiRole(pulumi.ComponentResource):
    """The role GitHub Actions jobs in GitHub environment ``environment`` assume to push
    that environment's images and deploy its stacks."""

    def __init__(
        self,
        environment: str,
        *,
        github: GitHubRepository,
        account_id: str,
        region: str,
        provider_arn: pulumi.Input[str],
        repository_arn: pulumi.Input[str],
        boundary_arn: pulumi.Input[str],
        cluster_name: pulumi.Input[str],
        secrets_key_arn: pulumi.Input[str],
        state_bucket: str | None,
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:foundation:CiRole", f"ci-{environment}", None, opts)

        def policy(values: list[str]) -> str:
            repository, boundary, cluster, secrets_key = values
            statements = ecr_push_statements(repository) + deploy_statements(
                environment,
                account_id=account_id,
                region=region,
                cluster_name=cluster,
                boundary_arn=boundary,
                state_bucket=state_bucket,
                secrets_key_arn=secrets_key,
            )
            return json.dumps({"Version": "2012-10-17", "Statement": statements})

        role = aws.iam.Role(
            f"ci-{environment}",
            name=ci_role_name(environment),
            description=f"Assumed by GitHub Actions jobs in the {environment!r} environment of this repository",
            assume_role_policy=pulumi.Output.from_input(provider_arn).apply(
                lambda arn: github_trust_policy(arn, github.trusted_subjects(environment))
            ),
            max_session_duration=3600,
            tags={**tags, "deploys-to": environment},
            opts=moved_into(self),
        )
        aws.iam.RolePolicy(
            f"ci-{environment}-deploy",
            role=role.name,
            policy=pulumi.Output.all(repository_arn, boundary_arn, cluster_name, secrets_key_arn).apply(policy),
            opts=moved_into(self),
        )
        self.arn = role.arn
        self.register_outputs({"arn": self.arn})


class FoundationPreviewRole(pulumi.ComponentResource):
    """The role foundation.yml assumes (GitHub environment ``foundation``) to preview a
    foundation change. Applying one stays with a person: the foundation decides what CI
    may do, so CI must not be able to widen its own permissions."""

    def __init__(
        self,
        *,
        github: GitHubRepository,
        provider_arn: pulumi.Input[str],
        state_bucket: str | None,
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:foundation:FoundationPreviewRole", "ci-foundation", None, opts)
        role = aws.iam.Role(
            "ci-foundation",
            name=ci_role_name("foundation"),
            description="Assumed by GitHub Actions to preview (never apply) foundation changes",
            assume_role_policy=pulumi.Output.from_input(provider_arn).apply(
                lambda arn: github_trust_policy(arn, github.trusted_subjects("foundation"))
            ),
            max_session_duration=3600,
            tags={**tags, "deploys-to": "nothing"},
            opts=moved_into(self),
        )
        statements: list[dict[str, Any]] = [
            {"Sid": "ReadFoundation", "Effect": "Allow", "Action": list(FOUNDATION_READ_ACTIONS), "Resource": "*"}
        ]
        if state_bucket:
            # The foundation's state, read only; a preview may take (write) its lock.
            statements += pulumi_state_statements(
                state_bucket, FOUNDATION_STACK, project=FOUNDATION_PROJECT, write=False
            )
        aws.iam.RolePolicy(
            "ci-foundation-read",
            role=role.name,
            policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
            opts=moved_into(self),
        )
        self.arn = role.arn
        self.register_outputs({"arn": self.arn})
