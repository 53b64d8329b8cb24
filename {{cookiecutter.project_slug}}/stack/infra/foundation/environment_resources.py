"""What the foundation keeps per deployment environment: the KMS key that encrypts the
environment's secrets, the SNS topic its alarms notify and the bucket its load balancers
write access logs to.

They live here, not in the service stacks, because they outlive any one stack: a KMS key
cannot be deleted at once (7-30 days' waiting period, and every preview stack would leave
one behind), every service of an environment shares one on-call route, and the CI role of
an environment may use its own key only (docs/operations.md).
"""

import json
from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from stack.infra.components.edge import create_access_log_bucket
from stack.infra.conventions import PROJECT_SLUG
from stack.infra.foundation.aliases import moved_into

# Days the load balancers' access logs are kept, per environment.
ACCESS_LOG_DAYS = {"test": 30, "prod": 90, "preview": 7}


def secrets_key_policy(account_id: str) -> str:
    """The account administers the key; who may use it is decided by IAM policies (each
    execution role's policy names the parameters it may decrypt)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministersAndDelegatesToIam",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )


class EnvironmentResources(pulumi.ComponentResource):
    """One environment's secrets key (with its alias), alarm topic and access log bucket."""

    def __init__(
        self, environment: str, *, account_id: str, tags: Mapping[str, str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("pantstack:foundation:EnvironmentResources", environment, None, opts)
        key = aws.kms.Key(
            f"secrets-{environment}",
            description=f"Encrypts the {environment} environment's SSM SecureString parameters",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=secrets_key_policy(account_id),
            tags={**tags, "secrets-of": environment},
            opts=moved_into(self),
        )
        aws.kms.Alias(
            f"secrets-{environment}",
            name=f"alias/{PROJECT_SLUG}-{environment}-secrets",
            target_key_id=key.key_id,
            opts=moved_into(self),
        )
        # Not KMS-encrypted: CloudWatch can only publish to an encrypted topic through a
        # customer key whose policy trusts it, and alarm notifications carry no secrets.
        topic = aws.sns.Topic(
            f"alarms-{environment}",
            name=f"{PROJECT_SLUG}-{environment}-alarms",
            tags={**tags, "alarms-of": environment},
            opts=moved_into(self),
        )
        # No alias: the bucket is newer than the split into components.
        logs = create_access_log_bucket(
            f"access-logs-{environment}",
            name=f"{PROJECT_SLUG}-{environment}-alb-logs-{account_id}",
            account_id=account_id,
            retention_days=ACCESS_LOG_DAYS[environment],
            tags={**tags, "logs-of": environment},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.secrets_key_arn = key.arn
        self.alarm_topic_arn = topic.arn
        self.access_log_bucket = logs.bucket
        self.register_outputs({"secretsKeyArn": key.arn, "alarmTopicArn": topic.arn, "accessLogBucket": logs.bucket})


class FlowLogs(pulumi.ComponentResource):
    """All traffic of the VPC (accepted and rejected) to a CloudWatch log group."""

    def __init__(
        self,
        name: str,
        *,
        vpc_id: pulumi.Input[str],
        account_id: str,
        retention_days: int,
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:foundation:FlowLogs", name, None, opts)
        self.flow_log = _flow_logs(vpc_id, account_id=account_id, retention_days=retention_days, tags=tags, parent=self)
        self.register_outputs({"flowLogId": self.flow_log.id})


def _flow_logs(
    vpc_id: pulumi.Input[str], *, account_id: str, retention_days: int, tags: Mapping[str, str], parent: pulumi.Resource
) -> aws.ec2.FlowLog:
    opts = moved_into(parent)
    group = aws.cloudwatch.LogGroup(
        "flow-logs", name=f"/vpc/{PROJECT_SLUG}/flow-logs", retention_in_days=retention_days, tags=dict(tags), opts=opts
    )
    role = aws.iam.Role(
        "flow-logs",
        name=f"{PROJECT_SLUG}-vpc-flow-logs",
        assume_role_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                    }
                ],
            }
        ),
        tags=dict(tags),
        opts=opts,
    )
    aws.iam.RolePolicy(
        "flow-logs",
        role=role.name,
        policy=group.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": [
                                "logs:CreateLogStream",
                                "logs:PutLogEvents",
                                "logs:DescribeLogGroups",
                                "logs:DescribeLogStreams",
                            ],
                            "Resource": [arn, f"{arn}:*"],
                        }
                    ],
                }
            )
        ),
        opts=opts,
    )
    return aws.ec2.FlowLog(
        "flow-logs",
        vpc_id=vpc_id,
        traffic_type="ALL",
        log_destination_type="cloud-watch-logs",
        log_destination=group.arn,
        iam_role_arn=role.arn,
        max_aggregation_interval=60,
        tags=dict(tags),
        opts=opts,
    )
