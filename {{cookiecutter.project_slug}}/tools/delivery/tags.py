"""Image tags and stack names.

All services share the foundation's single ECR repository, so a tag says whose image it is:

    {service}-{branch}-{sha}            the service's API image (its main image)
    {service}-{component}-{branch}-{sha} any other image, e.g. {service}-worker-dev-0123456789ab
    {service}-v{version}                 a release of the main image
    {service}-{component}-v{version}     a release of another image
"""

from __future__ import annotations

import re

# Docker: a tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. We also lowercase, so tags compare
# the same everywhere (ECR lifecycle rules match on tag prefixes).
MAX_TAG_LENGTH = 128
MAIN_COMPONENT = "api"
SHORT_SHA_LENGTH = 12

_INVALID_TAG_CHARS = re.compile(r"[^a-z0-9_.-]+")
_DASH_RUNS = re.compile(r"-{2,}")
_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")


def sanitize_ref(name: str) -> str:
    """A branch name as a tag fragment: lowercase, anything invalid (/ included) becomes -."""
    cleaned = _DASH_RUNS.sub("-", _INVALID_TAG_CHARS.sub("-", name.lower()))
    # A tag may not start with . or -; trailing separators only look odd.
    cleaned = cleaned.strip(".-")
    return cleaned or "branch"


def image_prefix(service: str, component: str) -> str:
    return service if component == MAIN_COMPONENT else f"{service}-{component}"


def image_tag(service: str, component: str, branch: str, sha: str) -> str:
    """The tag of one image built from commit sha on branch; at most 128 characters."""
    sha = sha.lower()
    if not _SHA.match(sha):
        raise ValueError(f"not a git commit sha: {sha!r}")
    prefix = image_prefix(service, component)
    short = sha[:SHORT_SHA_LENGTH]
    room = MAX_TAG_LENGTH - len(prefix) - len(short) - 2
    if room < 1:
        raise ValueError(f"service/component name too long for a Docker tag: {prefix!r}")
    ref = sanitize_ref(branch)[:room].rstrip(".-") or "branch"
    return f"{prefix}-{ref}-{short}"


def release_tag(service: str, component: str, version: str) -> str:
    """The tag of a released image, e.g. reports-v1.2.0 or reports-worker-v1.2.0-rc.1."""
    if not _VERSION.match(version):
        raise ValueError(f"not a semantic version: {version!r}")
    return f"{image_prefix(service, component)}-v{version}"


def git_release_tag(service: str, version: str) -> str:
    """The git tag semantic-release creates for a service release."""
    return f"{service}-v{version}"


def preview_stack(pr_number: int) -> str:
    if pr_number < 1:
        raise ValueError(f"not a pull request number: {pr_number}")
    return f"preview-{pr_number}"


def qualified_stack(org: str, project: str, stack: str) -> str:
    """Pulumi's fully-qualified stack name, as StackReference and --stack take it."""
    return f"{org}/{project}/{stack}"


def pr_number_of_stack(stack: str) -> int | None:
    """The pull request a preview stack belongs to, or None for any other stack."""
    match = re.fullmatch(r"preview-([1-9][0-9]*)", stack)
    return int(match.group(1)) if match else None
