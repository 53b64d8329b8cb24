"""2. Pants start-up: cold bootstrap on empty caches, warm runs with and without pantsd."""

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from benchmarks.common import Section, log, median, pants, seconds
from benchmarks.repos import render_project

WITH_PANTSD = {"PANTS_PANTSD": "true", "PANTS_CONCURRENT": "false"}  # --concurrent disables pantsd


def run(workdir: Path, repeats: int) -> Section:
    section = Section("startup", "2. Pants start-up", ["what", "median", "runs"])
    project_parent = workdir / "repos" / "startup"
    shutil.rmtree(project_parent, ignore_errors=True)
    project = render_project(project_parent)

    # Cold: Pants installed from PyPI into an empty bootstrap cache, then its first runs with
    # empty named caches and local store (resolving and building the reports API from its lockfile).
    cache = Path(tempfile.mkdtemp(prefix="bench-cold-", dir=workdir))
    cold_env = {
        "PANTSTACK_CACHE_DIR": str(cache / "pantstack"),
        "PANTS_NAMED_CACHES_DIR": str(cache / "named"),
        "PANTS_LOCAL_STORE_DIR": str(cache / "store"),
        "PIP_CACHE_DIR": str(cache / "pip"),
        "PIP_FIND_LINKS": "",  # no local wheel folder: everything from PyPI
    }
    try:
        log("cold bootstrap")
        for label, args in [
            ("cold: ./pants --version (install Pants)", ["--version"]),
            ("cold: ./pants list :: (first run, empty store)", ["list", "::"]),
            ("cold: ./pants package reports api-server (resolve + build)",
             ["package", "modules/reports/backend/api:api-server"]),
        ]:
            result = pants(project, *args, env=cold_env)
            section.rows.append([label, seconds(result.seconds), "1 run"])
    finally:
        size = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file() and not p.is_symlink())
        shutil.rmtree(cache, ignore_errors=True)
    section.notes.append(f"Cold caches filled {size / 2**20:.0f} MiB (removed afterwards).")

    log("warm runs")
    pants(project, "list", "::")  # fill the warm caches for this checkout
    for label, args in [("warm: ./pants --version", ["--version"]), ("warm: ./pants list ::", ["list", "::"])]:
        runs = [pants(project, *args).seconds for _ in range(repeats)]
        section.rows.append([label + " (no pantsd)", seconds(median(runs)), str([round(r, 2) for r in runs])])

    log("with pantsd")
    try:
        first = pants(project, "list", "::", env=WITH_PANTSD)
        for label, args in [("warm: ./pants --version", ["--version"]), ("warm: ./pants list ::", ["list", "::"])]:
            runs = [pants(project, *args, env=WITH_PANTSD).seconds for _ in range(repeats)]
            section.rows.append([label + " (pantsd up)", seconds(median(runs)), str([round(r, 2) for r in runs])])
        section.rows.append(["./pants list :: that starts pantsd", seconds(first.seconds), "1 run"])
    finally:
        stopped = stop_pantsd(project)
    section.notes += [
        "Cold = empty PANTSTACK_CACHE_DIR (our ./pants bootstrap: Pants from PyPI into a venv), "
        "PANTS_NAMED_CACHES_DIR, PANTS_LOCAL_STORE_DIR and PIP_CACHE_DIR, all pointed at a temporary "
        "folder; the last cold row downloads and builds the reports resolve for one PEX.",
        "Limits: PyPI download speed for the cold rows; for warm rows without pantsd, starting the Pants "
        "interpreter and building the rule graph on every run; with pantsd only the client start and "
        "the daemon's memoized graph. The machine was shared with other agents.",
        f"pantsd stopped afterwards by pid: {stopped}.",
    ]
    return section


def stop_pantsd(project: Path) -> str:
    """Stop this checkout's pantsd by the pid in its pid file; leave no daemon behind."""
    pids = []
    for pid_file in list(project.glob(".pids/**/pantsd/pid")) + list(project.glob(".pants.d/**/pantsd/pid")):
        try:
            pids.append(int(pid_file.read_text().strip()))
        except (OSError, ValueError):
            continue
    if not pids:  # no pid file: this checkout's pantsd by its working directory
        pids = [pid for pid in _pantsd_processes() if _cwd(pid) == project.resolve()]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    return ", ".join(map(str, pids)) or "no pid file found"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of ours is gone for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _pantsd_processes() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"pantsd" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _cwd(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")).resolve()
    except OSError:
        return None
