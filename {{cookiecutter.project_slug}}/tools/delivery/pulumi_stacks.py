"""Pulumi stacks through the CLI (the pulumi/actions step only installs it): `up` (set the
given config, then update), preview, destroy (skipping stacks that never existed), sweep
stale previews, read outputs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tools.delivery import tags
from tools.delivery.commands import CommandError, Runner, run, stream
from tools.delivery.services import Service


def list_stacks(runner: Runner = run) -> set[str]:
    """Fully-qualified names (org/project/stack) of every stack the backend holds."""
    out = runner(["pulumi", "stack", "ls", "--all", "--json"], None)
    return {entry["name"] for entry in json.loads(out or "[]")}


def destroy_stacks(
    repo: Path, stacks: Sequence[Mapping[str, Any]], runner: Runner = run, streamer: Runner = stream
) -> list[str]:
    """Destroy and remove each stack ({qualified, work_dir}) that exists; return those destroyed.

    A stack that was never created (a pull request that changed no service, a service added
    after its last push) is not an error: there is nothing to destroy.
    """
    existing = list_stacks(runner)
    destroyed = []
    for stack in stacks:
        name = stack["qualified"]
        if name not in existing:
            print(f"{name}: no such stack, nothing to destroy")
            continue
        workdir = repo / stack["work_dir"]
        streamer(["pulumi", "destroy", "--yes", "--skip-preview", "--stack", name], workdir)
        runner(["pulumi", "stack", "rm", "--yes", "--stack", name], workdir)
        print(f"{name}: destroyed and removed")
        destroyed.append(name)
    return destroyed


def stale_previews(stack_names: Iterable[str], open_prs: Iterable[int]) -> list[str]:
    """Preview stacks (…/preview-<pr>) whose pull request is no longer open."""
    still_open = set(open_prs)
    stale = []
    for name in stack_names:
        number = tags.pr_number_of_stack(name.rsplit("/", 1)[-1])
        if number is not None and number not in still_open:
            stale.append(name)
    return sorted(stale)


def stacks_to_sweep(
    stack_names: Iterable[str], open_prs: Iterable[int], services: Sequence[Service]
) -> list[dict[str, str]]:
    """The stale preview stacks of this repository's services, with their program directory.

    Stacks of projects that are not ours (another repository sharing the Pulumi org) are left alone.
    """
    by_project = {s.pulumi_project: s for s in services if s.pulumi_project}
    selected = []
    for name in stale_previews(stack_names, open_prs):
        parts = name.split("/")
        if len(parts) == 3 and parts[1] in by_project:
            selected.append({"qualified": name, "work_dir": by_project[parts[1]].infrastructure_dir})
    return selected


def stack_outputs(repo: Path, stack: Mapping[str, Any], runner: Runner = run) -> dict[str, Any]:
    out = runner(["pulumi", "stack", "output", "--json", "--stack", stack["qualified"]], repo / stack["work_dir"])
    return dict(json.loads(out or "{}"))


def wait_for_providers(
    providers: Mapping[str, str],
    runner: Runner = run,
    timeout: float = 1200,
    interval: float = 20,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Wait until each provider stack ({module: qualified name}) exports ``queueArn``.

    A consumer's program reads it through a StackReference, so its `pulumi up` fails while
    the provider stack is missing. One deploy run deploys its stacks side by side: a
    consumer whose provider is deployed in the same run waits for it here.
    """
    deadline = clock() + timeout
    for module, qualified in sorted(providers.items()):
        while True:
            try:
                outputs = json.loads(
                    runner(["pulumi", "stack", "output", "--json", "--stack", qualified], None) or "{}"
                )
            except CommandError:
                outputs = {}  # not created yet
            if "queueArn" in outputs:
                break
            if clock() >= deadline:
                raise SystemExit(
                    f"error: this module uses {module}, whose stack {qualified} has no queueArn output after "
                    f"{timeout:.0f} s: deploy {module} to this environment first"
                )
            print(f"waiting for {qualified} (used by this module) to export queueArn ...", flush=True)
            sleep(interval)


def up(
    repo: Path,
    qualified: str,
    work_dir: str,
    config: Mapping[str, str | Mapping[str, str]],
    runner: Runner = run,
    streamer: Runner = stream,
    policy_packs: Sequence[str] = (),
    before_update: Callable[[Mapping[str, Any]], bool] | None = None,
) -> None:
    """Create the stack if needed, set the given config values, and run `pulumi up`.

    ``before_update`` gets the stack's outputs before the update (the database migrations:
    tools/delivery/migrations.py) and says whether it acted; a stack that had nothing for it
    yet (its first deploy) gets it right after the update instead.

    Values are set one by one (`pulumi config set`; an object's entries with `--path`), so
    the committed Pulumi.<stack>.yaml settings stay as they are; only the keys given here
    (the image tag and digests) change. With policy packs (repository paths) `up` keeps
    its preview: stack policies run there, and a mandatory violation stops the update
    before anything changes.
    """
    workdir = repo / work_dir
    runner(["pulumi", "stack", "select", "--create", "--stack", qualified], workdir)
    for key, value in sorted(config.items()):
        if isinstance(value, Mapping):
            for entry, item in sorted(value.items()):
                path = f"{key}.{entry}"
                runner(["pulumi", "config", "set", "--path", "--stack", qualified, "--", path, item], workdir)
        else:
            runner(["pulumi", "config", "set", "--stack", qualified, "--", key, value], workdir)
    packs = _policy_pack_args(repo, policy_packs)
    skip = [] if packs else ["--skip-preview"]
    acted = before_update(_outputs(qualified, workdir, runner)) if before_update else True
    streamer(["pulumi", "up", "--yes", *skip, *packs, "--stack", qualified], workdir)
    if before_update and not acted:
        before_update(_outputs(qualified, workdir, runner))


def _outputs(qualified: str, workdir: Path, runner: Runner) -> dict[str, Any]:
    return dict(json.loads(runner(["pulumi", "stack", "output", "--json", "--stack", qualified], workdir) or "{}"))


def _policy_pack_args(repo: Path, policy_packs: Sequence[str]) -> list[str]:
    return [arg for pack in policy_packs for arg in ("--policy-pack", str((repo / pack).resolve()))]


def preview(
    repo: Path, qualified: str, work_dir: str, streamer: Runner = stream, policy_packs: Sequence[str] = ()
) -> None:
    """`pulumi preview` of an existing stack against what is deployed (``--refresh``): shows
    what an `up` would change, changes nothing. A missing stack is an error here: the
    stacks this previews (the foundation) are created by a person."""
    packs = _policy_pack_args(repo, policy_packs)
    streamer(["pulumi", "preview", "--refresh", "--diff", *packs, "--stack", qualified], repo / work_dir)
