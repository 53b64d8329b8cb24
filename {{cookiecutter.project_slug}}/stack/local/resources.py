"""Creates a module's queue, dead-letter queue and bucket in an AWS emulator.

The cloud gets these from the module's Pulumi program; locally this file makes the same
shape: a jobs queue whose redrive policy moves a message to the dead-letter queue after
``max_receives`` deliveries, and a bucket for the job records.

It needs nothing but boto3, so docker-compose.yml runs it as a script in the moto image,
with each module's queue settings from its module.toml (stack/local/compose.py writes them):
    AWS_ENDPOINT_URL=http://moto:5000 python resources.py reports:120:5 billing:60:3
(``<module>[:<visibility timeout seconds>:<max receives>]``). Creating what already exists
is a no-op, so it is safe to run again.
"""

import json
import os
from dataclasses import dataclass
from typing import Any

MAX_RECEIVES = 5
VISIBILITY_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Resources:
    queue_url: str
    dead_letter_queue_url: str
    bucket_name: str


def queue_name(module: str) -> str:
    """``<module>-jobs``: AWS names may not hold "_", Python package names may."""
    return f"{module.replace('_', '-')}-jobs"


def bucket_name(module: str) -> str:
    return f"{module.replace('_', '-')}-results"


def create_resources(
    sqs: Any,
    s3: Any,
    queue_name: str,
    bucket_name: str,
    max_receives: int = MAX_RECEIVES,
    visibility_timeout: int = VISIBILITY_TIMEOUT_SECONDS,
    versioned_bucket: bool = False,
) -> Resources:
    """Create (or find) the queues and the bucket; ``versioned_bucket`` keeps every write,
    which lets tests count how often each job was stored."""
    dead_letter_url = sqs.create_queue(QueueName=f"{queue_name}-dlq")["QueueUrl"]
    dead_letter_arn = sqs.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": str(max_receives)}
    queue_url = sqs.create_queue(
        QueueName=queue_name,
        Attributes={"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": str(visibility_timeout)},
    )["QueueUrl"]

    region = s3.meta.region_name
    try:
        if region == "us-east-1":  # the one region that refuses a LocationConstraint
            s3.create_bucket(Bucket=bucket_name)
        else:
            s3.create_bucket(Bucket=bucket_name, CreateBucketConfiguration={"LocationConstraint": region})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    if versioned_bucket:
        s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})
    return Resources(queue_url=queue_url, dead_letter_queue_url=dead_letter_url, bucket_name=bucket_name)


def main(argv: list[str] | None = None) -> None:
    import sys

    import boto3
    from botocore.config import Config

    endpoint = os.environ["AWS_ENDPOINT_URL"]  # refuse to run against real AWS by accident
    region = os.environ.get("AWS_REGION", "{{ cookiecutter.aws_region }}")
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=region)
    # Path-style addressing: "bucket.moto" is no host name a container can resolve.
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region, config=Config(s3={"addressing_style": "path"}))
    for argument in sys.argv[1:] if argv is None else argv:
        module, *queue = argument.split(":")
        visibility, receives = (int(queue[0]), int(queue[1])) if queue else (VISIBILITY_TIMEOUT_SECONDS, MAX_RECEIVES)
        resources = create_resources(sqs, s3, queue_name(module), bucket_name(module), receives, visibility)
        print(json.dumps({"module": module, **resources.__dict__}), flush=True)


if __name__ == "__main__":
    main()
