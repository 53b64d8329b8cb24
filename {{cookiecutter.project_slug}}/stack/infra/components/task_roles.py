"""The two IAM roles of an ECS task: one for ECS to start it, one for the code inside.

The execution role lets ECS pull the image from this repository's ECR repository, write
the task's log group and read (and decrypt) exactly the SSM parameters its task definition
names as secrets; the task role gets only the queue and bucket actions listed in
``TaskPermissions``, sqs:SendMessage on the queues of the modules it uses (and nothing
else of theirs), plus X-Ray writes when tracing is on. Both carry the foundation's
permissions boundary, which the CI deploy roles require on every role they create.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

# What the ADOT collector sidecar needs to send traces to X-Ray (no resource-level permissions).
XRAY_WRITE_ACTIONS = (
    "xray:GetSamplingRules",
    "xray:GetSamplingStatisticSummaries",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
)


@dataclass(frozen=True)
class TaskPermissions:
    queue_arn: pulumi.Input[str] | None = None
    queue_actions: Sequence[str] = ()
    bucket_arn: pulumi.Input[str] | None = None
    bucket_actions: Sequence[str] = ()
    # s3:ListBucket on the bucket itself: without it S3 answers AccessDenied, not NoSuchKey.
    list_bucket: bool = True
    # The queues of the modules this one uses (module.toml ``uses``): send, nothing more.
    # They are encrypted with SQS-managed keys, so sending needs no KMS permission.
    send_queue_arns: Sequence[pulumi.Input[str]] = ()
    extra_statements: Sequence[Mapping[str, object]] = field(default=())


def ecs_tasks_trust_policy(account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    # Only ECS acting for this account may assume it (confused-deputy guard).
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def task_policy(
    queue_arn: str | None,
    bucket_arn: str | None,
    permissions: TaskPermissions,
    tracing: bool = False,
    send_queue_arns: Sequence[str] = (),
) -> str:
    statements: list[Mapping[str, object]] = []
    if tracing:
        statements.append(
            {"Sid": "WriteTraces", "Effect": "Allow", "Action": list(XRAY_WRITE_ACTIONS), "Resource": "*"}
        )
    if queue_arn and permissions.queue_actions:
        statements.append(
            {"Sid": "OwnQueue", "Effect": "Allow", "Action": sorted(permissions.queue_actions), "Resource": queue_arn}
        )
    if send_queue_arns:
        statements.append(
            {
                "Sid": "SendToUsedModules",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": sorted(send_queue_arns),
            }
        )
    if bucket_arn and permissions.bucket_actions:
        statements.append(
            {
                "Sid": "OwnBucketObjects",
                "Effect": "Allow",
                "Action": sorted(permissions.bucket_actions),
                "Resource": f"{bucket_arn}/*",
            }
        )
        if permissions.list_bucket:
            statements.append(
                {"Sid": "OwnBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn}
            )
    statements.extend(permissions.extra_statements)
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def secrets_statements(region: str, secret_arns: Sequence[str], key_arn: str) -> list[dict[str, object]]:
    """Read these parameters and nothing else; decrypt with the key only on SSM's behalf and
    only for these parameters (SSM puts the parameter ARN in the encryption context)."""
    if not secret_arns:
        return []
    arns = sorted(secret_arns)
    return [
        {"Sid": "ReadOwnSecrets", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": arns},
        {
            "Sid": "DecryptOwnSecrets",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": key_arn,
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"ssm.{region}.amazonaws.com",
                    "kms:EncryptionContext:PARAMETER_ARN": arns,
                }
            },
        },
    ]


def execution_policy(
    repository_arn: str,
    log_group_arn: str,
    *,
    region: str = "",
    secret_arns: Sequence[str] = (),
    secrets_key_arn: str | None = None,
    database_secret_arn: str | None = None,
) -> str:
    if secret_arns and not secrets_key_arn:
        raise ValueError("secrets need the environment's KMS key (secrets_key_arn)")
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                # GetAuthorizationToken has no resource-level permissions.
                {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                {
                    "Sid": "PullImage",
                    "Effect": "Allow",
                    "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    "Resource": repository_arn,
                },
                {
                    "Sid": "WriteLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{log_group_arn}:*",
                },
                *secrets_statements(region, secret_arns, secrets_key_arn or ""),
                *(
                    # The database password RDS keeps (its AWS-managed key needs no grant here).
                    [
                        {
                            "Sid": "ReadDatabasePassword",
                            "Effect": "Allow",
                            "Action": "secretsmanager:GetSecretValue",
                            "Resource": database_secret_arn,
                        }
                    ]
                    if database_secret_arn
                    else []
                ),
            ],
        }
    )


class TaskRoles(pulumi.ComponentResource):
    """Roles named ``<name>-task`` and ``<name>-exec`` (IAM allows 64 characters)."""

    task_role_arn: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: str,
        account_id: str,
        repository_arn: pulumi.Input[str],
        log_group_arn: pulumi.Input[str],
        permissions_boundary_arn: pulumi.Input[str],
        permissions: TaskPermissions,
        tags: Mapping[str, str],
        region: str = "",
        secret_arns: Sequence[str] = (),
        secrets_key_arn: pulumi.Input[str] | None = None,
        database_secret_arn: pulumi.Input[str] | None = None,
        tracing: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:aws:TaskRoles", resource_name, None, opts)
        if len(name) + len("-exec") > 64:
            raise ValueError(f"role name prefix {name!r} is too long: IAM role names allow 64 characters")
        child = pulumi.ResourceOptions(parent=self)
        trust = ecs_tasks_trust_policy(account_id)
        execution = aws.iam.Role(
            f"{resource_name}-exec",
            name=f"{name}-exec",
            assume_role_policy=trust,
            permissions_boundary=permissions_boundary_arn,
            tags=dict(tags),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{resource_name}-exec-policy",
            role=execution.name,
            policy=pulumi.Output.all(repository_arn, log_group_arn, secrets_key_arn, database_secret_arn).apply(
                lambda arns: execution_policy(
                    arns[0],
                    arns[1],
                    region=region,
                    secret_arns=secret_arns,
                    secrets_key_arn=arns[2],
                    database_secret_arn=arns[3],
                )
            ),
            opts=child,
        )
        task = aws.iam.Role(
            f"{resource_name}-task",
            name=f"{name}-task",
            assume_role_policy=trust,
            permissions_boundary=permissions_boundary_arn,
            tags=dict(tags),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{resource_name}-task-policy",
            role=task.name,
            policy=pulumi.Output.all(
                permissions.queue_arn,
                permissions.bucket_arn,
                pulumi.Output.from_input(list(permissions.send_queue_arns)),
            ).apply(lambda arns: task_policy(arns[0], arns[1], permissions, tracing, arns[2])),
            opts=child,
        )
        self.task_role_arn = task.arn
        self.execution_role_arn = execution.arn
        self.register_outputs({"task_role_arn": self.task_role_arn, "execution_role_arn": self.execution_role_arn})
