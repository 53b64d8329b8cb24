"""A private, encrypted S3 bucket."""

import json
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi_aws as aws


class PrivateBucket(pulumi.ComponentResource):
    """``name`` is the bucket's physical name.

    Public access is blocked at the bucket, ACLs are disabled, objects are encrypted with
    S3-managed keys and requests without TLS are denied. ``versioned`` keeps overwritten
    objects for ``noncurrent_days``; ``expire_days`` deletes objects that old (logs).
    ``extra_statements`` adds to the bucket policy, given the bucket's ARN.
    ``force_destroy`` lets ``pulumi destroy`` delete a bucket that still holds objects:
    for preview stacks only, which are torn down with
    their pull request.
    """

    bucket: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: str,
        tags: Mapping[str, str],
        versioned: bool = True,
        noncurrent_days: int = 30,
        force_destroy: bool = False,
        expire_days: int | None = None,
        extra_statements: Callable[[str], pulumi.Input[list[dict[str, Any]]]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:aws:PrivateBucket", resource_name, None, opts)
        if len(name) > 63:
            raise ValueError(f"bucket name {name!r} is {len(name)} characters; S3 allows 63")
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(resource_name, bucket=name, force_destroy=force_destroy, tags=dict(tags), opts=child)
        aws.s3.BucketPublicAccessBlock(
            f"{resource_name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{resource_name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{resource_name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{resource_name}-tls-only",
            bucket=bucket.id,
            policy=bucket.arn.apply(
                lambda arn: pulumi.Output.from_input(extra_statements(arn) if extra_statements else []).apply(
                    lambda extra: json.dumps(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Sid": "DenyInsecureTransport",
                                    "Effect": "Deny",
                                    "Principal": "*",
                                    "Action": "s3:*",
                                    "Resource": [arn, f"{arn}/*"],
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                },
                                *extra,
                            ],
                        }
                    )
                )
            ),
            opts=child,
        )
        lifecycle = _lifecycle_rules(noncurrent_days if versioned else None, expire_days)
        versioning = (
            aws.s3.BucketVersioning(
                f"{resource_name}-versioning",
                bucket=bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
                opts=child,
            )
            if versioned
            else None
        )
        if lifecycle:
            # The noncurrent-expiry rule keeps its name from when it was the only one.
            aws.s3.BucketLifecycleConfiguration(
                f"{resource_name}-noncurrent-expiry" if versioned else f"{resource_name}-expiry",
                bucket=bucket.id,
                rules=lifecycle,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning] if versioning else []),
            )
        self.bucket = bucket.bucket
        self.arn = bucket.arn
        self.register_outputs({"bucket": self.bucket, "arn": self.arn})


def _lifecycle_rules(noncurrent_days: int | None, expire_days: int | None) -> list[Any]:
    rules = []
    everything = aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="")
    if noncurrent_days is not None:
        rules.append(
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-noncurrent-versions",
                status="Enabled",
                filter=everything,
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=noncurrent_days
                ),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=7
                ),
            )
        )
    if expire_days is not None:
        rules.append(
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-objects",
                status="Enabled",
                filter=everything,
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=expire_days),
            )
        )
    return rules
