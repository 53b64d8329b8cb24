"""The permissions boundary of every role a service stack creates, one per environment."""

import json

from stack.infra.conventions import environment_name_pattern


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
                    # The master password RDS keeps for this environment's databases (RDS
                    # names the secret itself, so it is told apart by the tag RDS puts on it).
                    "Sid": "DatabasePasswords",
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": f"arn:aws:secretsmanager:{region}:{account_id}:secret:rds!*",
                    "Condition": {
                        "StringLike": {
                            "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": (
                                f"arn:aws:rds:{region}:{account_id}:db:{prefix}"
                            )
                        }
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
