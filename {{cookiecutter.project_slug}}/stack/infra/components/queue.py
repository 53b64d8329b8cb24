"""An SQS work queue with its dead-letter queue, both encrypted."""

import json
from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

# Keep failed messages for the longest time SQS allows, for inspection and redrive.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600


class JobQueue(pulumi.ComponentResource):
    """``name`` is the queue's physical name; the dead-letter queue is ``<name>-dlq``.

    A message received ``max_receive_count`` times without being deleted moves to the
    dead-letter queue, which accepts messages from this queue only.
    """

    url: pulumi.Output[str]
    arn: pulumi.Output[str]
    dead_letter_url: pulumi.Output[str]
    dead_letter_arn: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: str,
        tags: Mapping[str, str],
        visibility_timeout_seconds: int = 60,
        max_receive_count: int = 5,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:aws:JobQueue", resource_name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        dead_letter = aws.sqs.Queue(
            f"{resource_name}-dlq",
            name=f"{name}-dlq",
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            tags=dict(tags),
            opts=child,
        )
        queue = aws.sqs.Queue(
            resource_name,
            name=name,
            visibility_timeout_seconds=visibility_timeout_seconds,
            receive_wait_time_seconds=20,
            sqs_managed_sse_enabled=True,
            redrive_policy=dead_letter.arn.apply(
                lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": max_receive_count})
            ),
            tags=dict(tags),
            opts=child,
        )
        aws.sqs.RedriveAllowPolicy(
            f"{resource_name}-dlq-sources",
            queue_url=dead_letter.url,
            redrive_allow_policy=queue.arn.apply(
                lambda arn: json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]})
            ),
            opts=child,
        )
        self.url = queue.url
        self.arn = queue.arn
        self.queue_name = queue.name
        self.dead_letter_queue_name = dead_letter.name
        self.dead_letter_url = dead_letter.url
        self.dead_letter_arn = dead_letter.arn
        self.register_outputs(
            {
                "url": self.url,
                "arn": self.arn,
                "dead_letter_url": self.dead_letter_url,
                "dead_letter_arn": self.dead_letter_arn,
            }
        )
