"""Creates the reports module's queue, dead-letter queue and bucket in an AWS emulator.

The cloud gets these from the module's Pulumi program; locally this file makes the same
shape: a jobs queue whose redrive policy moves a message to the dead-letter queue after
``max_receives`` deliveries, and a bucket for the job records.

It needs nothing but boto3, so docker-compose.yml runs it as a script in the moto image:
    AWS_ENDPOINT_URL=http://moto:5000 python resources.py
Creating what already exists is a no-op, so it is safe to run again.
"""

import json
import os
from dataclasses import dataclass
from typing import Any

QUEUE_NAME = "reports-jobs"
BUCKET_NAME = "reports-results"
MAX_RECEIVES = 5
VISIBILITY_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Resources:
    queue_url: str
    dead_letter_queue_url: str
    bucket_name: str


def create_resources(
    sqs: Any,
    s3: Any,
    queue_name: str = QUEUE_NAME,
    bucket_name: str = BUCKET_NAME,
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


def main() -> None:
    import boto3
    from botocore.config import Config

    endpoint = os.environ["AWS_ENDPOINT_URL"]  # refuse to run against real AWS by accident
    region = os.environ.get("AWS_REGION", "{{ cookiecutter.aws_region }}")
    resources = create_resources(
        boto3.client("sqs", endpoint_url=endpoint, region_name=region),
        # Path-style addressing: "bucket.moto" is no host name a container can resolve.
        boto3.client("s3", endpoint_url=endpoint, region_name=region, config=Config(s3={"addressing_style": "path"})),
        queue_name=os.environ.get("REPORTS_QUEUE_NAME", QUEUE_NAME),
        bucket_name=os.environ.get("REPORTS_BUCKET_NAME", BUCKET_NAME),
    )
    print(json.dumps(resources.__dict__), flush=True)


if __name__ == "__main__":
    main()
