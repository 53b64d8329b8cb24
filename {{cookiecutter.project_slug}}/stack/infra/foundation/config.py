"""The foundation stack's settings (Pulumi.shared.yaml), read once and validated."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from stack.infra.conventions import image_name
from stack.infra.foundation.github_oidc import GitHubRepository

# The repository root: service images are found under modules/ (see discover_image_names).
REPOSITORY_ROOT = Path(__file__).resolve().parents[3]


def _int_or(value: int | None, default: int) -> int:
    # Unlike `value or default`, keeps an explicit 0.
    return default if value is None else value


def _bool_or(value: bool | None, default: bool) -> bool:
    return default if value is None else value


# Settings earlier versions read; a stack file that still sets one is told what changed.
RETIRED_SETTINGS = {
    "imageTagMutability": "tags are always immutable: a deploy trusts a tag only as the digest it recorded",
    "branchImagesToKeep": "pull request images live in their own repository: use previewImagesToKeep",
}


@dataclass(frozen=True)
class FoundationConfig:
    account_id: str
    github_owner: str
    github_repository: str
    image_names: tuple[str, ...]
    github_owner_id: str | None = None
    github_repository_id: str | None = None
    existing_oidc_provider_arn: str | None = None
    existing_vpc: Mapping[str, Any] | None = None
    vpc_cidr: str = "10.40.0.0/16"
    availability_zones: int = 2
    nat_gateways: int = 1
    release_images_to_keep: int = 50
    deployed_images_to_keep: int = 30
    preview_images_to_keep: int = 20
    untagged_image_days: int = 7
    state_bucket: str | None = None
    flow_logs: bool = True
    flow_log_retention_days: int = 90
    # Interface endpoints of the private subnets (components.vpc_endpoints); S3's is always there.
    interface_endpoints: tuple[str, ...] = ()

    @classmethod
    def load(cls) -> "FoundationConfig":
        config = pulumi.Config()
        for retired, instead in RETIRED_SETTINGS.items():
            if config.get(retired) is not None:
                raise ValueError(f"foundation setting {retired!r} is no longer read ({instead}): remove it")
        return cls(
            account_id=config.require("awsAccountId"),
            github_owner=config.require("githubOwner"),
            github_repository=config.require("githubRepository"),
            image_names=tuple(config.get_object("imageNames") or discover_image_names(REPOSITORY_ROOT)),
            github_owner_id=config.get("githubRepositoryOwnerId"),
            github_repository_id=config.get("githubRepositoryId"),
            existing_oidc_provider_arn=config.get("existingOidcProviderArn"),
            existing_vpc=config.get_object("existingVpc"),
            vpc_cidr=config.get("vpcCidr") or cls.vpc_cidr,
            availability_zones=config.get_int("availabilityZones") or cls.availability_zones,
            nat_gateways=_int_or(config.get_int("natGateways"), cls.nat_gateways),
            release_images_to_keep=config.get_int("releaseImagesToKeep") or cls.release_images_to_keep,
            deployed_images_to_keep=config.get_int("deployedImagesToKeep") or cls.deployed_images_to_keep,
            preview_images_to_keep=config.get_int("previewImagesToKeep") or cls.preview_images_to_keep,
            untagged_image_days=config.get_int("untaggedImageDays") or cls.untagged_image_days,
            state_bucket=config.get("stateBucket"),
            flow_logs=_bool_or(config.get_bool("flowLogs"), cls.flow_logs),
            flow_log_retention_days=config.get_int("flowLogRetentionDays") or cls.flow_log_retention_days,
            interface_endpoints=tuple(config.get_object("interfaceEndpoints") or ()),
        )

    @property
    def github(self) -> GitHubRepository:
        return GitHubRepository(
            owner=self.github_owner,
            name=self.github_repository,
            owner_id=self.github_owner_id,
            repository_id=self.github_repository_id,
        )


def discover_image_names(root: Path) -> list[str]:
    """Every service image the repository builds: one per modules/<svc>/backend/<part>/Dockerfile.

    A service added later gets its lifecycle rules at the foundation's next `pulumi up`
    without a settings change; `imageNames` in the stack settings overrides the list.
    """
    return sorted(
        image_name(dockerfile.parents[2].name, dockerfile.parent.name)
        for dockerfile in root.glob("modules/*/backend/*/Dockerfile")
    )
