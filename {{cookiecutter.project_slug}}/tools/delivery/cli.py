"""`python3 -m tools.delivery <command>`: the decisions and chores of the GitHub workflows.

Every command prints its result as JSON and, inside GitHub Actions, also writes it to
$GITHUB_OUTPUT (lists and objects as compact JSON, ready for `fromJSON`). Event data is read
from the event payload file GitHub provides ($GITHUB_EVENT_PATH), never from workflow
expressions, so untrusted text (branch names, titles) never reaches a shell.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from stack.module_toml import FILE_NAME, load_declaration
from tools.delivery import (
    ecr_images,
    github,
    locked_requirements,
    migrations,
    pins,
    pr_title,
    pulumi_stacks,
    release,
    tags,
)
from tools.delivery.plan import Context, ci_scope, plan_event
from tools.delivery.services import discover_services, read_pulumi_project


def write_outputs(outputs: Mapping[str, Any]) -> None:
    """Print outputs as JSON; append them to $GITHUB_OUTPUT when it is set."""
    print(json.dumps(outputs, indent=2, sort_keys=True))
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        for key, value in outputs.items():
            handle.write(format_output(key, value))


def format_output(key: str, value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    elif value is None:
        text = ""
    else:
        text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    if "\n" in text:
        delimiter = "EOF_DELIVERY_OUTPUT"
        while delimiter in text:
            delimiter += "_"
        return f"{key}<<{delimiter}\n{text}\n{delimiter}\n"
    return f"{key}={text}\n"


def _load_event(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    name = args.event_name or os.environ.get("GITHUB_EVENT_NAME")
    path = args.event_path or os.environ.get("GITHUB_EVENT_PATH")
    if not name or not path:
        raise SystemExit("error: give --event-name and --event-path (in GitHub Actions they come from the environment)")
    return name, json.loads(Path(path).read_text(encoding="utf-8"))


def _json_arg(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SystemExit(f"error: {what} is not valid JSON: {error}") from error


def cmd_services(args: argparse.Namespace) -> None:
    services = discover_services(Path(args.repo))
    write_outputs(
        {
            "services": [
                {"name": s.name, "images": list(s.images), "pulumi_project": s.pulumi_project} for s in services
            ],
            "names": [s.name for s in services],
        }
    )


def cmd_plan(args: argparse.Namespace) -> None:
    event_name, payload = _load_event(args)
    org = args.pulumi_org or os.environ.get("PULUMI_ORG")
    if not org:
        raise SystemExit("error: give --pulumi-org or set PULUMI_ORG")
    repo = Path(args.repo)
    plan = plan_event(event_name, payload, Context(repo=repo, services=discover_services(repo), pulumi_org=org))
    result = plan.to_dict()
    write_outputs(
        {
            **result,
            "plan": result,
            "has_images": bool(plan.images),
            "has_stacks": bool(plan.stacks),
            "has_services": bool(plan.services),
        }
    )


def cmd_ci_scope(args: argparse.Namespace) -> None:
    event_name, payload = _load_event(args)
    write_outputs(ci_scope(event_name, payload, Path(args.repo)))


def cmd_release(args: argparse.Namespace) -> None:
    repo = Path(args.repo)
    wanted = set(_json_arg(args.services, "--services"))
    services = [s for s in discover_services(repo) if s.name in wanted]
    unknown = wanted - {s.name for s in services}
    if unknown:
        raise SystemExit(f"error: no such service(s): {', '.join(sorted(unknown))}")
    releases = []
    for service in services:
        made = release.release_service(
            repo, service, branch=args.branch, sha=args.sha, publish=args.publish, command=args.semantic_release
        )
        print(f"{service.name}: " + (f"released {made.tag}" if made else "no release"), file=sys.stderr)
        if made:
            releases.append(made.to_dict())
    images = [{"service": r["service"], **image} for r in releases for image in r["images"]]
    write_outputs({"releases": releases, "images": images, "has_releases": bool(releases)})


def cmd_publish_images(args: argparse.Namespace) -> None:
    images = [i for i in _json_arg(args.images, "--images") if i["service"] == args.service]
    releases = [r for r in _json_arg(args.release_images, "--release-images") if r["service"] == args.service]
    try:
        published = ecr_images.publish_images(
            Path(args.repo),
            images,
            releases,
            registry=ecr_images.registry_of(args.aws_account_id, args.aws_region),
            repository=args.repository,
            region=args.aws_region,
        )
    except ecr_images.UntrustedImageError as error:
        raise SystemExit(f"error: {error}") from error
    write_outputs(
        {
            "digests": published.digests,
            "built": published.built,
            "reused": published.reused,
            "release_tags": published.release_tags,
        }
    )


def cmd_up(args: argparse.Namespace) -> None:
    org = args.pulumi_org or os.environ.get("PULUMI_ORG")
    if not org:
        raise SystemExit("error: give --pulumi-org or set PULUMI_ORG")
    digests = _json_arg(args.image_digests, "--image-digests")
    if not isinstance(digests, dict) or not digests:
        raise SystemExit(
            "error: --image-digests must be a JSON object {component: sha256:...}, the `digests` publish-images "
            "printed: a stack runs only images this run pushed or verified"
        )
    repo = Path(args.repo)
    project = read_pulumi_project(repo / args.work_dir / "Pulumi.yaml")
    qualified = tags.qualified_stack(org, project, args.stack)
    config = {**_json_arg(args.config, "--config"), "imageDigests": digests}

    def migrate(outputs: Mapping[str, Any]) -> bool:
        """A module with a database: its migrations, from the new worker image, first."""
        task = outputs.get("migrationTask")
        if not task:
            return False
        try:
            migrations.run_migrations(task, digests["worker"], region=str(task["cluster"]).split(":")[3])
        except migrations.MigrationFailed as failed:
            raise SystemExit(f"error: {failed}") from failed
        return True

    pulumi_stacks.wait_for_providers(provider_stacks(repo, args.work_dir, org, args.stack))
    pulumi_stacks.up(repo, qualified, args.work_dir, config, policy_packs=args.policy_pack or (), before_update=migrate)
    write_outputs({"stack": qualified})


def provider_stacks(repo: Path, work_dir: str, org: str, stack: str) -> dict[str, str]:
    """The stacks (same environment) of the modules the module of ``work_dir`` uses."""
    module_dir = (repo / work_dir).parent
    if not (module_dir / FILE_NAME).is_file():
        return {}
    return {
        name: tags.qualified_stack(
            org, read_pulumi_project(repo / "modules" / name / "infrastructure/Pulumi.yaml"), stack
        )
        for name in load_declaration(module_dir).uses
    }


def cmd_preview(args: argparse.Namespace) -> None:
    org = args.pulumi_org or os.environ.get("PULUMI_ORG")
    if not org:
        raise SystemExit("error: give --pulumi-org or set PULUMI_ORG")
    repo = Path(args.repo)
    qualified = tags.qualified_stack(org, read_pulumi_project(repo / args.work_dir / "Pulumi.yaml"), args.stack)
    pulumi_stacks.preview(repo, qualified, args.work_dir, policy_packs=args.policy_pack or ())
    write_outputs({"stack": qualified})


def cmd_destroy(args: argparse.Namespace) -> None:
    stacks = _json_arg(args.stacks, "--stacks")
    write_outputs({"destroyed": pulumi_stacks.destroy_stacks(Path(args.repo), stacks)})


def cmd_sweep_previews(args: argparse.Namespace) -> None:
    repo = Path(args.repo)
    stale = pulumi_stacks.stacks_to_sweep(
        pulumi_stacks.list_stacks(), github.open_pull_requests(args.repository), discover_services(repo)
    )
    destroyed = [] if args.dry_run else pulumi_stacks.destroy_stacks(repo, stale)
    write_outputs({"stale": [s["qualified"] for s in stale], "destroyed": destroyed})


def cmd_preview_comment(args: argparse.Namespace) -> None:
    plan = _json_arg(args.plan, "--plan")
    repo = Path(args.repo)
    previews = [
        (stack["service"], stack["qualified"], pulumi_stacks.stack_outputs(repo, stack)) for stack in plan["stacks"]
    ]
    body = github.render_preview_comment(int(plan["pr"]), str(plan["sha"]), previews)
    write_outputs({"comment": github.upsert_comment(args.repository, int(plan["pr"]), body)})


def cmd_check_title(args: argparse.Namespace) -> None:
    if args.title is not None:
        title = args.title
    else:
        _, payload = _load_event(args)
        title = str((payload.get("pull_request") or {}).get("title", ""))
    problems = pr_title.title_problems(title)
    write_outputs({"valid": not problems, "problems": problems, "release": pr_title.release_kind(title)})
    if problems:
        raise SystemExit(
            "error: the pull request title is not a Conventional Commits header (semantic-release reads "
            "the version from it):\n" + "\n".join(f"  - {p}" for p in problems)
        )


def cmd_locked_requirements(args: argparse.Namespace) -> None:
    repo = Path(args.repo)
    try:
        written = locked_requirements.export_all(repo / args.lockfiles, Path(args.output))
    except locked_requirements.LockfileError as error:
        raise SystemExit(f"error: {error}") from error
    write_outputs({"requirements": written, "resolves": sorted(written)})


def cmd_pin_pulumi_cli(args: argparse.Namespace) -> None:
    repo = Path(args.repo)
    write_outputs({"version": pins.locked_pulumi_version(repo), "changed": pins.pin_pulumi_cli(repo)})


def cmd_base_images(args: argparse.Namespace) -> None:
    repo = Path(args.repo)
    if args.update:
        client = pins.RegistryClient(args.docker_hub)
        try:
            changed = pins.update_base_images(repo, client.digest)
        except (LookupError, OSError) as error:
            raise SystemExit(f"error: cannot read a base image digest: {error}") from error
        write_outputs({"changed": changed})
        return
    unpinned = pins.unpinned_base_images(repo)
    write_outputs({"unpinned": unpinned})
    if unpinned:
        raise SystemExit(
            "error: base images without a digest (pin them with `python3 -m tools.delivery base-images --update`):\n"
            + "\n".join(f"  {line}" for line in unpinned)
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python3 -m tools.delivery", description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=".", help="repository root (default: current directory)")
    sub = parser.add_subparsers(dest="command", required=True)

    def event_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--event-name", help="GitHub event name (default: $GITHUB_EVENT_NAME)")
        p.add_argument("--event-path", help="event payload JSON file (default: $GITHUB_EVENT_PATH)")

    p = sub.add_parser("services", help="list the service modules found in the repository")
    p.set_defaults(func=cmd_services)

    p = sub.add_parser("plan", help="what an event delivers: services, environment, stacks, image tags")
    event_args(p)
    p.add_argument("--pulumi-org", help="Pulumi organisation (default: $PULUMI_ORG)")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("ci-scope", help="whether CI checks changed targets or everything")
    event_args(p)
    p.set_defaults(func=cmd_ci_scope)

    p = sub.add_parser("release", help="run semantic-release for each given service")
    p.add_argument("--services", required=True, help="JSON list of service names")
    p.add_argument("--branch", default=os.environ.get("GITHUB_REF_NAME"), help="default: $GITHUB_REF_NAME")
    p.add_argument("--sha", default=os.environ.get("GITHUB_SHA"), help="default: $GITHUB_SHA")
    p.add_argument("--publish", action="store_true", help="push the tags and create GitHub releases")
    p.add_argument(
        "--semantic-release", nargs="+", default=[release.SEMANTIC_RELEASE], help="command that runs semantic-release"
    )
    p.set_defaults(func=cmd_release)

    p = sub.add_parser(
        "publish-images", help="reuse a service's images this environment pushed, or build, push and record them"
    )
    p.add_argument("--service", required=True)
    p.add_argument("--images", required=True, help="JSON list of planned images (other services' are ignored)")
    p.add_argument("--release-images", default="[]", help="JSON list of {service, component, release_tag}")
    p.add_argument("--repository", required=True, help="the environment's ECR repository name")
    p.add_argument("--aws-account-id", required=True)
    p.add_argument("--aws-region", required=True)
    p.set_defaults(func=cmd_publish_images)

    p = sub.add_parser("up", help="pulumi up one stack with the given config values")
    p.add_argument("--work-dir", required=True, help="the Pulumi program's directory")
    p.add_argument("--stack", required=True, help="stack name, e.g. test or preview-42")
    p.add_argument("--config", default="{}", help="JSON object of config values to set first")
    p.add_argument(
        "--image-digests", required=True, help="JSON {component: sha256:...}: the digests publish-images printed"
    )
    p.add_argument("--pulumi-org", help="Pulumi organisation (default: $PULUMI_ORG)")
    p.add_argument("--policy-pack", action="append", help="policy pack folder (repeatable): stack/infra/policy_pack")
    p.set_defaults(func=cmd_up)

    p = sub.add_parser("preview", help="pulumi preview (with refresh) of one existing stack; changes nothing")
    p.add_argument("--work-dir", required=True, help="the Pulumi program's directory")
    p.add_argument("--stack", required=True, help="stack name, e.g. shared")
    p.add_argument("--pulumi-org", help="Pulumi organisation (default: $PULUMI_ORG)")
    p.add_argument("--policy-pack", action="append", help="policy pack folder (repeatable): stack/infra/policy_pack")
    p.set_defaults(func=cmd_preview)

    p = sub.add_parser("destroy", help="destroy and remove stacks; missing stacks are skipped")
    p.add_argument("--stacks", required=True, help="JSON list of {qualified, work_dir}")
    p.set_defaults(func=cmd_destroy)

    p = sub.add_parser("sweep-previews", help="destroy preview stacks whose pull request is closed")
    p.add_argument("--repository", default=os.environ.get("GITHUB_REPOSITORY"), help="owner/repo")
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(func=cmd_sweep_previews)

    p = sub.add_parser("preview-comment", help="create or update the pull request's preview comment")
    p.add_argument("--plan", required=True, help="the plan JSON of the preview run")
    p.add_argument("--repository", default=os.environ.get("GITHUB_REPOSITORY"), help="owner/repo")
    p.set_defaults(func=cmd_preview_comment)

    p = sub.add_parser("check-title", help="fail unless the pull request title is a Conventional Commits header")
    event_args(p)
    p.add_argument("--title", help="check this title instead of the event's pull_request.title")
    p.set_defaults(func=cmd_check_title)

    p = sub.add_parser("locked-requirements", help="write each lockfile's exact pins as <resolve>.txt (for pip-audit)")
    p.add_argument("--lockfiles", default="lockfiles", help="folder of Pants lockfiles (default: lockfiles)")
    p.add_argument("--output", required=True, help="folder to write the requirements files to")
    p.set_defaults(func=cmd_locked_requirements)

    p = sub.add_parser("pin-pulumi-cli", help="set every workflow's pulumi-version to the locked pulumi SDK's")
    p.set_defaults(func=cmd_pin_pulumi_cli)

    p = sub.add_parser("base-images", help="list Dockerfile base images without a digest, or pin them (--update)")
    p.add_argument("--update", action="store_true", help="pin every FROM to the digest its tag points at now")
    p.add_argument("--docker-hub", default="https://registry-1.docker.io", help="registry for unqualified images")
    p.set_defaults(func=cmd_base_images)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "release" and not (args.branch and args.sha):
        raise SystemExit("error: release needs --branch and --sha (or GITHUB_REF_NAME and GITHUB_SHA)")
    args.func(args)
    return 0
