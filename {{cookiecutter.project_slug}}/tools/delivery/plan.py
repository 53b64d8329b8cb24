"""What a GitHub event means for delivery: which services, which environment and stacks,
which image tags, what to destroy. Pure decisions over the event payload and the git repo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stack.module_toml import with_used_modules
from tools.delivery import changes, tags
from tools.delivery.services import Service

# Branch -> (GitHub environment, Pulumi stack) for pushes that deploy.
DEPLOY_BRANCHES = {"dev": ("test", "test"), "main": ("prod", "prod")}
PRERELEASE_BRANCHES = {"dev"}
PREVIEW_ENVIRONMENT = "preview"
PREVIEW_ACTIONS = {"opened", "synchronize", "reopened"}


@dataclass
class Plan:
    # deploy | preview | destroy | none
    action: str
    reason: str
    environment: str | None = None
    branch: str | None = None
    sha: str | None = None
    # The commit the change set was computed against; None means "everything".
    base: str | None = None
    pr: int | None = None
    services: list[str] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)
    stacks: list[dict[str, Any]] = field(default_factory=list)
    # Push to a release branch: semantic-release runs for the planned services.
    release: bool = False
    prerelease: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Context:
    """What the planner needs besides the event: the checkout and naming settings."""

    repo: Path
    services: Sequence[Service]
    pulumi_org: str


def plan_event(event_name: str, payload: Mapping[str, Any], ctx: Context) -> Plan:
    if event_name == "push":
        return _plan_push(payload, ctx)
    if event_name == "pull_request":
        return _plan_pull_request(payload, ctx)
    return Plan(action="none", reason=f"{event_name} events do not deliver")


def _plan_push(payload: Mapping[str, Any], ctx: Context) -> Plan:
    ref = str(payload.get("ref", ""))
    if not ref.startswith("refs/heads/"):
        return Plan(action="none", reason=f"push of {ref or 'an unknown ref'} is not a branch push")
    branch = ref.removeprefix("refs/heads/")
    if payload.get("deleted"):
        return Plan(action="none", reason=f"branch {branch} was deleted", branch=branch)
    if branch not in DEPLOY_BRANCHES:
        deploying = " and ".join(DEPLOY_BRANCHES)
        return Plan(
            action="none", reason=f"pushes to {branch} deliver nothing (only {deploying} deploy)", branch=branch
        )
    environment, stack = DEPLOY_BRANCHES[branch]
    sha = str(payload["after"])
    before = payload.get("before")
    base = str(before) if changes.is_commit(ctx.repo, before) else None
    services = _changed_services(ctx, base, sha)
    plan = Plan(
        action="deploy",
        reason=_reason(f"push to {branch}", base, services),
        environment=environment,
        branch=branch,
        sha=sha,
        base=base,
        services=services,
        release=True,
        prerelease=branch in PRERELEASE_BRANCHES,
    )
    _add_images_and_stacks(plan, ctx, stack, branch, sha)
    return plan


def _plan_pull_request(payload: Mapping[str, Any], ctx: Context) -> Plan:
    pr = payload["pull_request"]
    number = int(payload.get("number") or pr["number"])
    action = str(payload.get("action", ""))
    stack = tags.preview_stack(number)
    head_repo = (pr.get("head") or {}).get("repo") or {}
    base_repo = payload.get("repository") or (pr.get("base") or {}).get("repo") or {}
    if head_repo.get("full_name") != base_repo.get("full_name"):
        # Fork pull requests get no secrets and no cloud roles: CI only.
        return Plan(action="none", reason=f"pull request #{number} comes from a fork", pr=number)
    if action == "closed":
        plan = Plan(
            action="destroy",
            reason=f"pull request #{number} closed: remove its preview stacks",
            environment=PREVIEW_ENVIRONMENT,
            pr=number,
            # Earlier pushes may have previewed any service: destroy them all (a stack that
            # was never created is skipped when destroying).
            services=[s.name for s in ctx.services if s.pulumi_project],
        )
        plan.stacks = [_stack_entry(ctx, s, stack, {}, None) for s in ctx.services if s.pulumi_project]
        return plan
    if action not in PREVIEW_ACTIONS:
        return Plan(action="none", reason=f"pull_request {action} changes no preview", pr=number)
    head_sha = str(pr["head"]["sha"])
    branch = str(pr["head"]["ref"])
    base_sha = str(pr["base"]["sha"])
    base = None
    if changes.is_commit(ctx.repo, base_sha) and changes.is_commit(ctx.repo, head_sha):
        base = changes.merge_base(ctx.repo, base_sha, head_sha)
    services = _with_providers(ctx, _changed_services(ctx, base, head_sha))
    plan = Plan(
        action="preview",
        reason=_reason(f"pull request #{number} {action}", base, services),
        environment=PREVIEW_ENVIRONMENT,
        branch=branch,
        sha=head_sha,
        base=base,
        pr=number,
        services=services,
    )
    # Tags name the pull request, never its branch: a branch called "main-" must not
    # produce tags that look like a main build.
    _add_images_and_stacks(plan, ctx, stack, tags.preview_label(number), head_sha)
    return plan


def _changed_services(ctx: Context, base: str | None, head: str) -> list[str]:
    if base is None:
        return [s.name for s in ctx.services]
    return changes.affected_services(changes.changed_files(ctx.repo, base, head), ctx.services)


def _with_providers(ctx: Context, services: list[str]) -> list[str]:
    """A preview stack reads the preview stacks of the modules it uses (their queue URL and
    ARN): those are deployed in the same pull request too, changed or not."""
    return sorted(with_used_modules(services, {s.name: s.uses for s in ctx.services}))


def _reason(what: str, base: str | None, services: list[str]) -> str:
    scope = f"changes since {base[:12]}" if base else "no usable base commit, so every service"
    affected = ", ".join(services) if services else "no service"
    return f"{what}: {scope} affect {affected}"


def _add_images_and_stacks(plan: Plan, ctx: Context, stack: str, label: str, sha: str) -> None:
    by_name = {s.name: s for s in ctx.services}
    for name in plan.services:
        service = by_name[name]
        suffix, image_tags = tags.image_tags(name, service.images, label, sha)
        plan.images.extend(
            {
                "service": name,
                "component": component,
                "dockerfile": service.dockerfile(component),
                "image": tags.image_prefix(name, component),
                "tag": tag,
            }
            for component, tag in image_tags.items()
        )
        if service.pulumi_project:
            plan.stacks.append(_stack_entry(ctx, service, stack, image_tags, suffix))


def _stack_entry(
    ctx: Context, service: Service, stack: str, image_tags: dict[str, str], suffix: str | None
) -> dict[str, Any]:
    assert service.pulumi_project is not None
    return {
        "service": service.name,
        "stack": stack,
        "qualified": tags.qualified_stack(ctx.pulumi_org, service.pulumi_project, stack),
        "work_dir": service.infrastructure_dir,
        "image_tags": image_tags,
        # Config the deploy sets on the stack: exactly the tags this run pushed.
        "config": stack_config(suffix),
    }


def stack_config(suffix: str | None) -> dict[str, str]:
    """Pulumi config a deploy sets from the plan: `imageTag`, the suffix of this build's tags
    (a label for people; the images themselves are set by digest, `imageDigests`, from
    what the publish step pushed or verified)."""
    return {"imageTag": suffix} if suffix else {}


def ci_scope(event_name: str, payload: Mapping[str, Any], repo: Path) -> dict[str, str]:
    """What CI checks in the checkout (HEAD): "changed" targets since base, or "all".

    A pull request's checkout is GitHub's merge commit, so its changes are exactly those
    since the base branch's tip; a push's are those since the previous tip of the branch.
    """
    if event_name == "pull_request":
        base = payload["pull_request"]["base"]["sha"]
        missing = "pull request base commit is not in the checkout"
    elif event_name == "push":
        base = payload.get("before")
        missing = "new branch or rewritten history: no previous commit to compare with"
    else:
        return {"mode": "all", "base": "", "reason": f"{event_name} checks everything"}
    if not changes.is_commit(repo, base):
        return {"mode": "all", "base": "", "reason": missing}
    paths = changes.changed_files(repo, str(base), "HEAD")
    if changes.needs_full_ci(paths):
        return {"mode": "all", "base": str(base), "reason": "build configuration or shared code changed"}
    return {"mode": "changed", "base": str(base), "reason": f"{len(paths)} changed file(s) since {str(base)[:12]}"}
