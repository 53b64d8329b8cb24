"""Run a rendered repository's GitHub workflows with act, on this machine, and read back
each job's result, steps, step outputs and job outputs.

Jobs run on the host (`-P ubuntu-24.04=-self-hosted`): no Docker. Third-party actions are
replaced by the stand-ins in ./standins (`--local-repository`, `--action-offline-mode`);
every job's checkout is a fresh clone of the test's bare `origin`. `pulumi` and `gh` on
PATH are the fakes in ./fakes/bin. Each run is bounded in time and its whole process group
is killed when it ends, so nothing outlives it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins"
FAKES_BIN = HERE / "fakes" / "bin"
ACT = Path(sys.executable).parent / "act"
RUNNER = "ubuntu-24.04"

# owner/repo of each third-party action -> its stand-in folder.
STANDIN_FOR = {
    "actions/checkout": "checkout",
    "actions/setup-python": "setup-python",
    "actions/cache": "cache",
    "aws-actions/configure-aws-credentials": "configure-aws-credentials",
    "pulumi/actions": "pulumi",
}
THIRD_PARTY_USES = re.compile(r"^\s*(?:-\s*)?uses:\s*([\w.-]+/[\w.-]+)(?:/[\w./-]+)?@([\w.-]+)", re.MULTILINE)
# act's debug line for a job output it evaluated at the end of a job.
OUTPUT_EVALUATED = re.compile(r"^expression 'format\('\{0\}', (.*)\)' evaluated to '%!t\(string=(.*)\)'$", re.DOTALL)


@dataclass
class Step:
    name: str
    result: str
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class Job:
    job_id: str
    name: str
    matrix: dict[str, Any]
    result: str = ""
    steps: dict[str, Step] = field(default_factory=dict)  # by step id (or index) as act reports it
    outputs: dict[str, str] = field(default_factory=dict)

    def step(self, name: str) -> Step:
        """The step with this name (as written in the workflow, or act's name for a `uses:`)."""
        for step in self.steps.values():
            if step.name == name:
                return step
        raise AssertionError(f"job {self.name}: no step named {name!r}; steps: {[s.name for s in self.steps.values()]}")


@dataclass
class Run:
    returncode: int
    jobs: list[Job]
    log: list[dict[str, Any]]

    def job(self, job_id: str) -> Job:
        """The one run of the job with this id (a matrix job: use `matrix_jobs`).

        A job calling a reusable workflow has no run of its own: its called jobs do.
        """
        found = [job for job in self.jobs if job.job_id == job_id and job.result]
        if len(found) != 1:
            raise AssertionError(f"expected one run of job {job_id!r}, got {len(found)}\n{self.summary()}")
        return found[0]

    def matrix_jobs(self, job_id: str) -> list[Job]:
        return [job for job in self.jobs if job.job_id == job_id and job.result]

    def ran(self, job_id: str) -> bool:
        """Whether the job ran (act reports a job skipped by its `if:` as "skipped")."""
        return any(job.job_id == job_id and job.result not in ("", "skipped") for job in self.jobs)

    def summary(self) -> str:
        lines = [f"act exited {self.returncode}; jobs:"]
        lines += [f"  {job.name} [{job.job_id} {job.matrix or ''}]: {job.result or 'no result'}" for job in self.jobs]
        failed = [entry for entry in self.log if entry.get("level") in ("error", "fatal") or "stepResult" in entry
                  and entry.get("stepResult") == "failure"]  # fmt: skip
        lines += [f"  ! {entry.get('job', '')}: {entry.get('msg', '').strip()}" for entry in failed[-20:]]
        tail = [entry.get("msg", "").rstrip() for entry in self.log if entry.get("raw_output")][-40:]
        return "\n".join(lines + ["--- last output ---", *tail])


def standin_flags(project: Path) -> list[str]:
    """--local-repository for every third-party action the workflows and local actions use."""
    flags = []
    seen = set()
    for path in [*project.glob(".github/workflows/*.yml"), *project.glob(".github/actions/*/action.yml")]:
        for repo, ref in THIRD_PARTY_USES.findall(path.read_text(encoding="utf-8")):
            if repo.startswith(".") or (repo, ref) in seen:
                continue
            seen.add((repo, ref))
            folder = STANDIN_FOR.get(repo)
            if folder is None:
                raise AssertionError(
                    f"{path.name} uses {repo}@{ref}, which has no stand-in: add a composite action to "
                    f"{STANDINS.relative_to(HERE.parent.parent)}/ and name it in STANDIN_FOR ({__name__})"
                )
            flags += ["--local-repository", f"{repo}@{ref}={STANDINS / folder}"]
    return flags


@dataclass
class Act:
    """act for one test session: its action cache and tool cache live in cache_dir."""

    cache_dir: Path
    github_instance: str
    ca_bundle: Path

    def run(
        self,
        checkout: Path,
        origin: Path,
        event: str,
        payload: Mapping[str, Any],
        workflow: str,
        *,
        job: str | None = None,
        env: Mapping[str, str] | None = None,
        cloud: Mapping[str, Any] | None = None,
        scratch: Path,
        timeout: float = 420,
    ) -> Run:
        """Run `workflow` (a file name in .github/workflows) for `event` from `checkout`.

        job selects one job (act runs the jobs it needs too). env becomes job environment
        (`--env`: the workflows' switches). cloud is the fake Pulumi/GitHub state (see
        fakes/README.md); the calls the fakes received are in scratch/cloud/calls.jsonl.
        """
        scratch.mkdir(parents=True, exist_ok=True)
        event_file = scratch / "event.json"
        event_file.write_text(json.dumps(payload), encoding="utf-8")
        cloud_dir = scratch / "cloud"
        cloud_dir.mkdir(exist_ok=True)
        (cloud_dir / "state.json").write_text(json.dumps(dict(cloud or {})), encoding="utf-8")
        job_env = {
            "STANDIN_ORIGIN": str(origin),
            "FAKE_CLOUD_DIR": str(cloud_dir),
            "REQUESTS_CA_BUNDLE": str(self.ca_bundle),
            **(env or {}),
        }
        args = [
            str(ACT), event,
            "--workflows", f".github/workflows/{workflow}",
            "--eventpath", str(event_file),
            "--platform", f"{RUNNER}=-self-hosted",
            "--action-offline-mode", "--no-skip-checkout",
            "--action-cache-path", str(self.cache_dir),
            "--github-instance", self.github_instance,
            "--defaultbranch", "main",
            "--json", "--verbose",
            *standin_flags(checkout),
            *(["--job", job] if job else []),
        ]  # fmt: skip
        for key, value in job_env.items():
            args += ["--env", f"{key}={value}"]
        process_env = {**os.environ, "PATH": f"{FAKES_BIN}{os.pathsep}{os.environ['PATH']}"}
        # Its own session: the whole process group (act, the steps it started) is killed after.
        process = subprocess.Popen(
            args, cwd=checkout, env=process_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )  # fmt: skip
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            output, _ = process.communicate()
            (scratch / "act.log").write_text(output)
            raise AssertionError(f"act {event} {workflow} did not finish in {timeout:.0f}s; log: {scratch / 'act.log'}")
        finally:
            _kill_group(process.pid)
        (scratch / "act.log").write_text(output)
        return parse_log(output.splitlines(), process.returncode, _declared_outputs(checkout))


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _declared_outputs(checkout: Path) -> dict[str, dict[str, str]]:
    """job id -> {output name: its expression} for the workflow and the local workflows it calls."""
    declared: dict[str, dict[str, str]] = {}
    for path in checkout.glob(".github/workflows/*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job_id, job in (document.get("jobs") or {}).items():
            for name, value in (job.get("outputs") or {}).items():
                expression = str(value).strip()
                if expression.startswith("${{") and expression.endswith("}}"):
                    declared.setdefault(job_id, {})[name] = expression[3:-2].strip()
    return declared


def parse_log(lines: Iterable[str], returncode: int, declared: Mapping[str, Mapping[str, str]]) -> Run:
    jobs: dict[tuple[str, str, str], Job] = {}
    log = []
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # act's plain warnings before the JSON logger starts
        log.append(entry)
        job_id = entry.get("jobID")
        if not job_id:
            continue
        matrix = entry.get("matrix") or {}
        key = (job_id, entry.get("job", ""), json.dumps(matrix, sort_keys=True))
        job = jobs.setdefault(key, Job(job_id=job_id, name=entry.get("job", ""), matrix=matrix))
        if "jobResult" in entry:
            job.result = entry["jobResult"]
        step_id = entry.get("stepID") or []
        if len(step_id) == 1 and entry.get("stage") == "Main":
            step = job.steps.setdefault(step_id[0], Step(name=entry.get("step", ""), result=""))
            if "stepResult" in entry:
                step.result = entry["stepResult"]
            if entry.get("command") == "set-output":
                step.outputs[entry["name"]] = entry.get("arg", "")
        if entry.get("stepid") == ["--complete-job"]:
            match = OUTPUT_EVALUATED.match(entry.get("msg", ""))
            if match:
                for name, expression in (declared.get(job_id) or {}).items():
                    if expression == match.group(1):
                        job.outputs[name] = match.group(2)
    return Run(returncode=returncode, jobs=list(jobs.values()), log=log)


def calls(scratch: Path, tool: str) -> list[dict[str, Any]]:
    """The calls the fake `tool` (pulumi, gh) received during the run in scratch."""
    path = scratch / "cloud" / "calls.jsonl"
    if not path.exists():
        return []
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [entry for entry in entries if entry["tool"] == tool]


def args_of(entries: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    return [list(entry["args"]) for entry in entries]
