"""What each environment's CI role may do: push its own images, deploy its own stacks.

Everything here is a plain IAM statement list, so the foundation's tests read exactly the
documents AWS will evaluate.
"""

from typing import Any

from stack.infra.conventions import FOUNDATION_PROJECT, FOUNDATION_STACK, environment_name_pattern

# What pushing an image takes; a repository policy denies these to everyone but the
# repository's own environment role (images.py).
IMAGE_WRITE_ACTIONS = (
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)


def ecr_push_statements(repository_arn: str) -> list[dict[str, Any]]:
    """Push to and read from the environment's own repository, and nothing else."""
    return [
        {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "EcrPushPull",
            "Effect": "Allow",
            "Action": sorted(
                [
                    *IMAGE_WRITE_ACTIONS,
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:DescribeImages",
                    "ecr:GetDownloadUrlForLayer",
                ]
            ),
            "Resource": repository_arn,
        },
    ]


SERVICE_LINKED_ROLE_SERVICES = (
    "ecs.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
    # A module's database (RDS) and its Performance Insights.
    "rds.amazonaws.com",
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
            # IAM has no condition key for a new role's trust policy, so a deploy could
            # create a role that another account may assume; the boundary caps what that
            # role can reach (this environment only), and the resource control policy in
            # docs/infrastructure.md ("Residual risks") closes the outside-account door.
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
            ],
            "Resource": f"arn:aws:iam::{account_id}:role/{pattern}",
        },
        {
            # A new account has no service-linked roles yet: the first load balancer, ECS
            # service, scaling target or database creates its own. Only these services' roles.
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
        *tagging_statements(environment),
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
            "Sid": "ScalingAlarms",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"],
            # Target tracking creates its alarms with the caller's permissions.
            "Resource": f"arn:aws:cloudwatch:{region}:{account_id}:alarm:"
            f"TargetTracking-service/{cluster_name}/{pattern}",
        },
    ]
    statements += domain_record_statements(environment)
    statements += database_statements(pattern, account_id=account_id, region=region, environment=environment)
    statements += observability_and_secrets_statements(
        pattern, account_id=account_id, region=region, secrets_key_arn=secrets_key_arn
    )
    if state_bucket:
        statements += pulumi_state_statements(state_bucket, service_stacks_of(environment), write=True)
    return statements


def database_statements(pattern: str, *, account_id: str, region: str, environment: str) -> list[dict[str, Any]]:
    """A module's PostgreSQL (stack.infra.components.database): RDS resources under the
    environment's prefix, the KMS key it creates (tagged), the secret RDS makes for the master
    password, and the deploy's one-off migration task (tools/delivery/migrations.py)."""
    rds = f"arn:aws:rds:{region}:{account_id}"
    return [
        {
            "Sid": "OwnDatabases",
            "Effect": "Allow",
            "Action": "rds:*",
            "Resource": [f"{rds}:{kind}:{pattern}" for kind in ("db", "subgrp", "pg", "snapshot")],
        },
        {
            "Sid": "DatabaseKeys",
            "Effect": "Allow",
            "Action": ["kms:CreateKey", "kms:TagResource"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestTag/environment": environment}},
        },
        {
            "Sid": "ManageDatabaseKeys",
            "Effect": "Allow",
            "Action": [
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:EnableKeyRotation",
                "kms:GenerateDataKey",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:ListResourceTags",
                "kms:PutKeyPolicy",
                "kms:ScheduleKeyDeletion",
                "kms:UntagResource",
            ],
            "Resource": f"arn:aws:kms:{region}:{account_id}:key/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/environment": environment}},
        },
        {
            # RDS creates and rotates the secret of a managed master password with the caller's rights.
            "Sid": "DatabasePasswordSecrets",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:CreateSecret",
                "secretsmanager:DeleteSecret",
                "secretsmanager:DescribeSecret",
                "secretsmanager:RotateSecret",
                "secretsmanager:TagResource",
            ],
            "Resource": f"arn:aws:secretsmanager:{region}:{account_id}:secret:rds!*",
        },
        {
            "Sid": "MigrationTasks",
            "Effect": "Allow",
            "Action": ["ecs:RunTask", "ecs:StopTask"],
            "Resource": [
                f"arn:aws:ecs:{region}:{account_id}:task-definition/{pattern}",
                f"arn:aws:ecs:{region}:{account_id}:task/*",
            ],
        },
    ]


def domain_record_statements(environment: str) -> list[dict[str, Any]]:
    """The DNS validation record and alias of an API's `domain` setting. Route 53 records
    carry no tags, so this reaches any hosted zone of the account: only the test and prod
    roles get it. Preview stacks have no settings file, hence no domain, and a pull
    request's code must not be able to repoint a production name."""
    if environment == "preview":
        return []
    return [
        {
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
    ]


TAG_ACTIONS = (
    "acm:AddTagsToCertificate",
    "application-autoscaling:TagResource",
    "ec2:CreateTags",
    "elasticloadbalancing:AddTags",
    "wafv2:TagResource",
)


def tagging_statements(environment: str) -> list[dict[str, Any]]:
    """The environment tag decides who manages a load balancer, security group, scaling
    target, certificate or web ACL, so setting it is guarded: on create only with this
    environment's value, and on an existing resource only if it already carries this
    environment's tag. An untagged resource cannot be adopted, and no role can hand its
    resources to another environment.
    """
    own_value = {"aws:RequestTag/environment": environment}
    return [
        {
            "Sid": "TagSecurityGroupsOnCreate",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": "*",
            "Condition": {"StringEquals": {**own_value, "ec2:CreateAction": ["CreateSecurityGroup"]}},
        },
        {
            "Sid": "TagLoadBalancingOnCreate",
            "Effect": "Allow",
            "Action": "elasticloadbalancing:AddTags",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    **own_value,
                    "elasticloadbalancing:CreateAction": [
                        "CreateListener",
                        "CreateLoadBalancer",
                        "CreateRule",
                        "CreateTargetGroup",
                    ],
                }
            },
        },
        {
            # Application Auto Scaling has no CreateAction key: a target without any
            # environment tag (only a new one, since every stack tags its targets) may be tagged.
            "Sid": "TagScalingTargetsOnCreate",
            "Effect": "Allow",
            "Action": "application-autoscaling:TagResource",
            "Resource": "*",
            "Condition": {"StringEquals": own_value, "Null": {"aws:ResourceTag/environment": "true"}},
        },
        {
            # An API's certificate and web ACL (stack.infra.components.edge): ACM and WAF
            # have no CreateAction key either, so the same rule as for scaling targets.
            "Sid": "TagCertificatesAndWebAclsOnCreate",
            "Effect": "Allow",
            "Action": ["acm:AddTagsToCertificate", "wafv2:TagResource"],
            "Resource": "*",
            "Condition": {"StringEquals": own_value, "Null": {"aws:ResourceTag/environment": "true"}},
        },
        {
            "Sid": "RetagOwnResources",
            "Effect": "Allow",
            "Action": list(TAG_ACTIONS),
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:ResourceTag/environment": environment},
                "StringEqualsIfExists": own_value,
            },
        },
        {
            # elasticloadbalancing:*, application-autoscaling:*, acm:* and wafv2:* below include
            # the tag actions: whatever allows them, the environment tag can only say this environment.
            "Sid": "NoOtherEnvironmentsTag",
            "Effect": "Deny",
            "Action": list(TAG_ACTIONS),
            "Resource": "*",
            "Condition": {
                "Null": {"aws:RequestTag/environment": "false"},
                "StringNotEquals": own_value,
            },
        },
    ]


def service_stacks_of(environment: str) -> str:
    """The Pulumi stack names of an environment's service stacks (a name pattern)."""
    return "preview-*" if environment == "preview" else environment


def pulumi_state_statements(state_bucket: str, stacks: str, *, write: bool, project: str = "*") -> list[dict[str, Any]]:
    """A self-managed (S3) backend's files of the stacks named ``stacks`` in ``project``,
    read and written (or only read, with writes to their lock files: a preview locks).

    The backend keeps ``.pulumi/stacks/<project>/<stack>.json`` (with ``.bak``/``.gz``
    siblings), ``.pulumi/{history,backups,locks}/<project>/<stack>/``. Every role reads the
    foundation's outputs (the StackReference of each service stack) and the backend's meta file;
    no role reads or writes another environment's state.
    """
    bucket = f"arn:aws:s3:::{state_bucket}"
    own = [f"{bucket}/.pulumi/stacks/{project}/{stacks}.json*"] + [
        f"{bucket}/.pulumi/{kind}/{project}/{stacks}/*" for kind in ("backups", "history")
    ]
    locks = f"{bucket}/.pulumi/locks/{project}/{stacks}/*"
    foundation = f"{bucket}/.pulumi/stacks/{FOUNDATION_PROJECT}/{FOUNDATION_STACK}.json*"
    return [
        {"Sid": "PulumiStateList", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket},
        {
            "Sid": "PulumiStateRead",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": sorted({f"{bucket}/.pulumi/meta.yaml", foundation, *own, locks}),
        },
        {
            "Sid": "PulumiStateWrite" if write else "PulumiStateLock",
            "Effect": "Allow",
            "Action": ["s3:DeleteObject", "s3:PutObject"],
            "Resource": [*own, locks] if write else [locks],
        },
    ]


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
