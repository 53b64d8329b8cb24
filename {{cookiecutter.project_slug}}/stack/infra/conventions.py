"""Names, tags and environments every Pulumi program in this repository agrees on.

The project-wide values are filled in once, when the repository is generated from its
template; stack configuration files repeat some of them, and the tests check they agree.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

PROJECT_SLUG = "{{ cookiecutter.project_slug }}"
GITHUB_OWNER = "{{ cookiecutter.github_owner }}"
GITHUB_REPOSITORY = "{{ cookiecutter.github_repo }}"
AWS_ACCOUNT_ID = "{{ cookiecutter.aws_account_id }}"
AWS_REGION = "{{ cookiecutter.aws_region }}"
PULUMI_ORG = "{{ cookiecutter.pulumi_org }}"

# The foundation is one stack per AWS account, shared by every environment in it.
FOUNDATION_PROJECT = f"{PROJECT_SLUG}-foundation"
FOUNDATION_STACK = "shared"

# Deployment environments; each has its own CI role and image repository in the foundation.
ENVIRONMENTS = ("test", "prod", "preview")

# The branch whose pushes deploy each trusted environment (previews come from pull requests).
DEPLOY_BRANCHES = {"test": "dev", "prod": "main"}

# The name of ci.yml's job: the status check the deploy branches' ruleset requires.
CI_STATUS_CHECK = "tailor, lint, check, test"

_PREVIEW_STACK = re.compile(r"preview-([1-9][0-9]{0,6})")

# Keys every taggable resource carries (see tags_for and the "tags-required" policy rule).
REQUIRED_TAGS = ("project", "environment", "stack", "managed-by")


def foundation_stack_reference(organization: str) -> str:
    """Fully qualified name of the foundation stack: ``<org>/<project>/<stack>``.

    With Pulumi Cloud the organization is the Pulumi organization; with a self-managed
    (S3) backend it is the literal ``organization``, which ``pulumi.get_organization()``
    returns there.
    """
    return f"{organization}/{FOUNDATION_PROJECT}/{FOUNDATION_STACK}"


def service_project(module: str, project_slug: str = PROJECT_SLUG) -> str:
    """The Pulumi project of a service module (its infrastructure/Pulumi.yaml ``name``)."""
    return f"{project_slug}-{module}"


def service_stack_reference(organization: str, module: str, stack: str) -> str:
    """Fully qualified name of a module's stack, for the modules that use it."""
    return f"{organization}/{service_project(module)}/{stack}"


@dataclass(frozen=True)
class Environment:
    """The deployment environment a service stack belongs to, read from its stack name."""

    name: str
    stack: str
    pull_request: int | None = None

    @classmethod
    def from_stack(cls, stack: str) -> "Environment":
        if stack in ("test", "prod"):
            return cls(name=stack, stack=stack)
        match = _PREVIEW_STACK.fullmatch(stack)
        if match:
            return cls(name="preview", stack=stack, pull_request=int(match.group(1)))
        raise ValueError(
            f"stack name {stack!r} is not a deployment environment: use 'test', 'prod' or "
            "'preview-<pull request number>' (e.g. preview-42)"
        )

    @property
    def is_prod(self) -> bool:
        return self.name == "prod"

    @property
    def is_preview(self) -> bool:
        return self.name == "preview"

    def resource_prefix(self, project_slug: str = PROJECT_SLUG) -> str:
        """Prefix of every physical name in this stack (``acme-prod``, ``acme-preview-42``).

        The foundation's CI roles allow each environment to manage only names under its
        own prefix, so these names are a security boundary, not only a convention.
        """
        return f"{project_slug}-{self.stack}"


def environment_name_pattern(environment: str, project_slug: str = PROJECT_SLUG) -> str:
    """The name pattern (IAM resource wildcard) an environment's resources fall under."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}; expected one of {ENVIRONMENTS}")
    return f"{project_slug}-{environment}-*"


def image_repository_name(environment: str, project_slug: str = PROJECT_SLUG) -> str:
    """The ECR repository of one environment's images. Only that environment's CI role may
    push to it, so a pull request (preview role) can never write an image test or prod runs."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}; expected one of {ENVIRONMENTS}")
    return f"{project_slug}-{environment}"


def ci_role_name(environment: str, project_slug: str = PROJECT_SLUG) -> str:
    """The role GitHub Actions jobs of ``environment`` assume (``foundation``: the preview role)."""
    if environment == "foundation":
        return f"{project_slug}-ci-foundation-preview"
    return f"{project_slug}-ci-{environment}"


def image_name(service: str, component: str) -> str:
    """The name part of a service image's tag in its environment's ECR repository.

    The API image is named after the service and other images add their component:
    ``reports-main-<sha>``, ``reports-worker-main-<sha>``, ``reports-pr42-<sha>``; releases
    ``reports-v1.2.0``, ``reports-worker-v1.2.0``. tools/delivery/tags.py builds the same names.
    """
    return service if component == "api" else f"{service}-{component}"


def tags_for(environment: str, stack: str, **extra: str) -> dict[str, str]:
    """The tags every taggable resource of a stack carries."""
    tags = {"project": PROJECT_SLUG, "environment": environment, "stack": stack, "managed-by": "pulumi"}
    tags.update(extra)
    return tags


def merge_tags(base: Mapping[str, str], **extra: str) -> dict[str, str]:
    return {**base, **extra}
