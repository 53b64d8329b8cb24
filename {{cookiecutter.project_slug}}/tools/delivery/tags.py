"""Image tags and stack names.

All services share the foundation's single ECR repository, so a tag says whose image it is:

    {service}-{suffix}                   the API image, e.g. reports-dev-0123456789ab
    {service}-{component}-{suffix}       other images, e.g. reports-worker-dev-0123456789ab
    {service}-v{version}                 a released API image, e.g. reports-v1.2.0
    {service}-{component}-v{version}     other released images, e.g. reports-worker-v1.2.0

where suffix is {label}-{sha}: the label is the deploy branch (`dev`, `main`) for pushes and
`pr{number}` for pull requests, so no branch name can make a preview tag look like a deploy's
(and previews push to their own repository anyway). Each environment has its own repository
(`<project>-test`, `<project>-prod`, `<project>-preview`) whose ECR lifecycle rules match these
prefixes (release tags `<image>-v*`). Deploys pass the suffix as `imageTag` (a label) and the
digests as `imageDigests`: the stack runs images by digest. The git tag of a release is
{service}-v{version}, the same as its API image's tag.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Docker: a tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. We also lowercase, so tags compare
# the same everywhere (ECR lifecycle rules match on tag prefixes).
MAX_TAG_LENGTH = 128
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
    """The API image is named after the service, other images add their component
    (stack/infra/conventions.py's image_name, which the Pulumi programs use, agrees)."""
    return service if component == "api" else f"{service}-{component}"


def image_suffix(branch: str, sha: str, longest_prefix: int) -> str:
    """{branch}-{sha}, short enough that prefix-suffix fits 128 characters for every image
    of the service (longest_prefix is the length of its longest image prefix)."""
    sha = sha.lower()
    if not _SHA.match(sha):
        raise ValueError(f"not a git commit sha: {sha!r}")
    short = sha[:SHORT_SHA_LENGTH]
    room = MAX_TAG_LENGTH - longest_prefix - len(short) - 2
    if room < 1:
        raise ValueError(f"image name too long for a Docker tag: {longest_prefix} characters before the suffix")
    ref = sanitize_ref(branch)[:room].rstrip(".-") or "branch"
    return f"{ref}-{short}"


def image_tags(service: str, components: Sequence[str], branch: str, sha: str) -> tuple[str, dict[str, str]]:
    """The shared suffix and each component's tag for one build of a service."""
    prefixes = {c: image_prefix(service, c) for c in components}
    suffix = image_suffix(branch, sha, max((len(p) for p in prefixes.values()), default=len(service)))
    return suffix, {c: f"{prefix}-{suffix}" for c, prefix in prefixes.items()}


def image_tag(service: str, component: str, branch: str, sha: str) -> str:
    """The tag of one image built from commit sha on branch; at most 128 characters."""
    return image_tags(service, [component], branch, sha)[1][component]


def release_tag(service: str, component: str, version: str) -> str:
    """The tag of a released image, e.g. reports-v1.2.0 or reports-worker-v1.2.0-rc.1."""
    if not _VERSION.match(version):
        raise ValueError(f"not a semantic version: {version!r}")
    return f"{image_prefix(service, component)}-v{version}"


def git_release_tag(service: str, version: str) -> str:
    """The git tag semantic-release creates for a service release."""
    return f"{service}-v{version}"


def preview_label(pr_number: int) -> str:
    """What a pull request's image tags carry instead of its branch name: ``pr42``."""
    if pr_number < 1:
        raise ValueError(f"not a pull request number: {pr_number}")
    return f"pr{pr_number}"


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
