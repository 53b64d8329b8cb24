"""One ECR repository per environment, written only by that environment's CI role.

ECR has no tag-level IAM condition, so keeping pull request images away from what test and
prod run takes separate repositories: previews push to ``<project>-preview``, the ``dev``
deploys to ``<project>-test`` and the ``main`` deploys to ``<project>-prod``. Each
repository's policy denies pushes to every principal except its own environment's role, on
top of the roles' own policies, so not even a mis-scoped role elsewhere can add an image.
Tags are immutable everywhere, and service stacks run images by digest.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from stack.infra.conventions import DEPLOY_BRANCHES, ENVIRONMENTS, image_repository_name
from stack.infra.foundation.deploy_policy import IMAGE_WRITE_ACTIONS


@dataclass(frozen=True)
class ImageRetention:
    releases: int
    deployed: int
    previews: int
    untagged_days: int


def tag_rules(environment: str, retention: ImageRetention) -> list[tuple[str, int, str]]:
    """(tag pattern after ``<image>-``, images kept, what they are) for one environment."""
    if environment == "preview":
        return [("pr*", retention.previews, "pull request builds")]
    branch = DEPLOY_BRANCHES[environment]
    return [("v*", retention.releases, "releases"), (f"{branch}-*", retention.deployed, f"{branch} builds")]


def ecr_lifecycle_policy(environment: str, image_names: Sequence[str], retention: ImageRetention) -> str:
    """Rules per image name, so a busy service never expires another service's images.

    ECR applies rules in priority order and an image matched by one rule is never expired by
    a later one. Longer names go first: ``reports-v*`` must not see ``reports-worker-...``
    tags before the worker's own rules do (no pattern here matches both, the order keeps it so).
    """
    rules: list[dict[str, Any]] = []
    for pattern, count, what in tag_rules(environment, retention):
        for image in sorted(image_names, key=lambda name: (-len(name), name)):
            rules.append(
                {
                    "description": f"keep the last {count} {what} of {image}",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": [f"{image}-{pattern}"],
                        "countType": "imageCountMoreThan",
                        "countNumber": count,
                    },
                    "action": {"type": "expire"},
                }
            )
    rules.append(
        {
            "description": f"expire untagged images after {retention.untagged_days} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": retention.untagged_days,
            },
            "action": {"type": "expire"},
        }
    )
    for priority, rule in enumerate(rules, start=1):
        rule["rulePriority"] = priority
    return json.dumps({"rules": rules})


def only_writer_policy(writer_role_arn: str) -> str:
    """Nobody but ``writer_role_arn`` may push (pulls stay with IAM: task execution roles)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "OnlyTheEnvironmentsCiRolePushes",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": list(IMAGE_WRITE_ACTIONS),
                    "Condition": {"ArnNotEquals": {"aws:PrincipalArn": writer_role_arn}},
                }
            ],
        }
    )


class ImageRepositories(pulumi.ComponentResource):
    """The three repositories, their lifecycle rules and their writer-only policies."""

    def __init__(
        self,
        name: str,
        *,
        image_names: Sequence[str],
        retention: ImageRetention,
        writer_role_arns: Mapping[str, str],
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pantstack:foundation:ImageRepositories", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.urls: dict[str, pulumi.Output[str]] = {}
        self.arns: dict[str, pulumi.Output[str]] = {}
        self.names: dict[str, pulumi.Output[str]] = {}
        for environment in ENVIRONMENTS:
            repository = aws.ecr.Repository(
                f"images-{environment}",
                name=image_repository_name(environment),
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
                encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")],
                tags={**tags, "images-of": environment},
                opts=child,
            )
            aws.ecr.LifecyclePolicy(
                f"images-{environment}-lifecycle",
                repository=repository.name,
                policy=ecr_lifecycle_policy(environment, image_names, retention),
                opts=child,
            )
            aws.ecr.RepositoryPolicy(
                f"images-{environment}-writer",
                repository=repository.name,
                policy=only_writer_policy(writer_role_arns[environment]),
                opts=child,
            )
            self.urls[environment] = repository.repository_url
            self.arns[environment] = repository.arn
            self.names[environment] = repository.name
        self.register_outputs({"urls": self.urls, "arns": self.arns, "names": self.names})
