"""1. Incremental CI: what a one-file change costs as the repository grows."""

import json
import os
import re
import uuid
from pathlib import Path

from benchmarks.common import Section, Timed, failed_targets, log, median, packages_written, pants, seconds, test_targets, timed
from benchmarks.repos import build_repo, service_name, union_venv

CHANGED = ["--changed-since=HEAD", "--changed-dependents=transitive"]
NO_IMAGES = "--filter-target-type=-docker_image"
SERVICE_FILE = "modules/{service}/backend/service/tasks.py"
SHARED_FILE = "stack/libs/settings.py"


class Edit:
    """Append a unique comment to a file (a new digest, so no cached result applies); undo on exit."""

    def __init__(self, project: Path, relative: str) -> None:
        self.path = project / relative
        self.original = self.path.read_text()

    def __enter__(self) -> "Edit":
        self.path.write_text(self.original + f"\n# benchmark edit {uuid.uuid4().hex}\n")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.path.write_text(self.original)


def run_changed(project: Path, relative: str, goal: str) -> Timed:
    args = [*CHANGED, NO_IMAGES, goal] if goal == "package" else [*CHANGED, goal]
    with Edit(project, relative):
        return pants(project, *args, check=False)


def measure(project: Path, relative: str, goal: str, repeats: int) -> dict:
    run_changed(project, relative, goal)  # warm-up: builds whatever this change needs once
    runs = [run_changed(project, relative, goal) for _ in range(repeats)]
    return summarise(runs, goal)


def summarise(runs: list[Timed], goal: str) -> dict:
    last = runs[-1]
    output = last.stdout + last.stderr
    if goal == "package":
        targets, failed, cached = packages_written(output), 0, 0
    else:
        targets, failed, cached = test_targets(output)
    return {
        "seconds": median([run.seconds for run in runs]),
        "runs": [round(run.seconds, 2) for run in runs],
        "targets": targets,
        "failed": failed,
        "cached": cached,
        "exit": last.returncode,
        "failed_targets": failed_targets(output),
        "tail": output[-1500:] if last.returncode else "",
    }


def pytest_everything(project: Path, venv: Path) -> dict:
    env = {"PYTHONPATH": os.pathsep.join([str(project), str(project / "modules")]), "PYTHONDONTWRITEBYTECODE": "1"}
    # Service code and shared libraries; the Pulumi programs' tests (modules/*/infrastructure)
    # need the infra resolve (pulumi-aws), which one service virtualenv does not carry.
    scope = [str(path.relative_to(project)) for path in sorted(project.glob("modules/*/backend"))] + ["stack/libs"]
    # An empty config: otherwise pytest would pick up an ini file above the project (e.g. this
    # template's own pytest.ini when the work directory is inside it).
    config = venv.parent / "pytest-empty.ini"
    config.write_text("[pytest]\n")
    args = [str(venv / "bin/python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(config),
            "--rootdir", str(project), *scope]
    run = timed(args, project, env)
    summary = re.findall(r"(\d+) (passed|failed|error|errors)", run.stdout)
    counts = {kind: int(number) for number, kind in summary}
    return {
        "seconds": run.seconds,
        "runs": [round(run.seconds, 2)],
        "tests": counts,
        "exit": run.returncode,
        "tail": run.stdout[-1500:] if run.returncode else "",
    }


def run(workdir: Path, sizes: list[int], repeats: int, heavy_repeats: int) -> Section:
    section = Section(
        "ci",
        "1. Incremental CI (warm caches)",
        ["services", "command", "targets", "median", "runs"],
    )
    by_size: dict[int, dict] = {}
    for size in sizes:
        # Measurements are kept per repository size, so an interrupted run resumes where it
        # stopped (delete build/bench/results/ci-n*.json to measure again).
        saved = workdir / "results" / f"ci-n{size}.json"
        results = json.loads(saved.read_text()) if saved.exists() else {}
        project = build_repo(workdir, size)
        service_file = SERVICE_FILE.format(service=service_name(1))
        steps = {
            "service test": lambda: measure(project, service_file, "test", repeats),
            "service package": lambda: measure(project, service_file, "package", repeats),
            "shared test": lambda: measure(project, SHARED_FILE, "test", heavy_repeats),
            "full test (forced)": lambda: summarise(
                [pants(project, "test", "::", "--test-force", check=False) for _ in range(heavy_repeats)], "test"
            ),
            "full test (cached)": lambda: summarise([pants(project, "test", "::", check=False)], "test"),
            "pytest, one venv": lambda: pytest_everything(project, union_venv(workdir, project)),
        }
        if any(name not in results for name in steps):
            log(f"n={size}: warm-up (test ::, package ::)")
            pants(project, "test", "::", check=False)
            pants(project, NO_IMAGES, "package", "::", check=False)
        for name, step in steps.items():
            if name not in results:
                log(f"n={size}: {name}")
                results[name] = step()
                saved.parent.mkdir(parents=True, exist_ok=True)
                saved.write_text(json.dumps(results, indent=1))
        results = {name: results[name] for name in steps}
        by_size[size] = results
        for name, result in results.items():
            if "tests" in result:
                targets = ", ".join(f"{n} {kind}" for kind, n in result["tests"].items()) + " (tests)"
            else:
                targets = str(result["targets"]) + (f" ({result['failed']} failed)" if result.get("failed") else "")
                if result.get("cached"):
                    targets += f" ({result['cached']} cached)"
            if result["exit"]:
                targets += f" exit {result['exit']}"
            section.rows.append([str(size), name, targets, seconds(result["seconds"]), str(result["runs"])])
    section.rows += ratio_rows(by_size)
    failing = sorted({name for results in by_size.values() for result in results.values()
                      for name in result.get("failed_targets", [])})
    if failing:
        section.notes.append("Test targets that failed (counted in `targets`, not caused by the benchmark): "
                             + ", ".join(f"`{name}`" for name in failing) + ".")
    section.notes += [
        f"One-service change: a comment appended to {SERVICE_FILE.format(service='svc01')}; shared change: to "
        f"{SHARED_FILE}. Each is a new digest, so nothing is answered from the result cache; each command ran "
        "once (untimed) before the timed runs.",
        "`service test` = `./pants --changed-since=HEAD --changed-dependents=transitive test`; `service package` "
        f"adds `{NO_IMAGES}` and runs `package`; targets = test targets run, or artifacts written.",
        "`full test (forced)` = `./pants test :: --test-force`: every test target runs again, with every venv "
        "and PEX already built (what CI pays without a result cache). `full test (cached)` = the same without "
        "--test-force right after: everything is a cache hit.",
        "`pytest, one venv` = plain pytest over modules/*/backend and stack/libs in one virtualenv with the "
        "union of the service requirements: no per-resolve isolation and no selection, so it always runs "
        "everything it covers (not the Pulumi programs' tests, which need the infra resolve; `./pants test ::` "
        "also runs those and tools/, stack/infra, stack/local).",
        "Limits: the machine (2 cores, shared with other agents running Pants at the same time), Pants' "
        "per-run overhead (~start-up + rule graph, see section 2) and the sandbox/PEX set-up per test file.",
    ]
    section.extra = {str(size): results for size, results in by_size.items()}
    return section


def ratio_rows(by_size: dict[int, dict]) -> list[list[str]]:
    if not by_size:
        return []
    smallest, largest = min(by_size), max(by_size)
    rows = []
    for goal in ("service test", "service package"):
        small, large = by_size[smallest][goal]["seconds"], by_size[largest][goal]["seconds"]
        rows.append(
            [f"{largest} vs {smallest}", f"ratio {goal}", "goal <= 1.5x", f"{large / small:.2f}x", ""]
        )
    full = by_size[largest]["full test (forced)"]["seconds"]
    one = by_size[largest]["service test"]["seconds"]
    rows.append([str(largest), "full forced / service test", "goal >= 5x", f"{full / one:.2f}x", ""])
    pytest_seconds = by_size[largest]["pytest, one venv"]["seconds"]
    rows.append([str(largest), "pytest / service test", "", f"{pytest_seconds / one:.2f}x", ""])
    return rows
