"""6. The whole repository on one machine: `./pants run stack/local:up` at 1 and 5 modules.

For each size the runner starts `up -- --only <modules>` in a generated repository (its
PEX files already packaged once, so the nested `./pants package` is a warm no-op rebuild
check), reads the pids `up` prints once every API answers /ready and every worker has
logged "worker started", sums their resident memory from /proc, then stops it with SIGINT
(Ctrl-C) and checks that none of those pids is left.
"""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from benchmarks.common import Section, log, median, seconds
from benchmarks.repos import build_repo, service_name

# "started: moto pid 11, reports-api pid 12, reports-worker pid 13"
_STARTED = re.compile(r"^started: (.*)$")
_PID = re.compile(r"([\w-]+) pid (\d+)")


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def one_up(project: Path, modules: list[str], timeout: float = 900) -> dict:
    env = {**os.environ, "PANTS_PANTSD": "false"}
    started_at = time.monotonic()
    process = subprocess.Popen(
        ["./pants", "run", "stack/local:up", "--", "--only", ",".join(modules)],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    emulator_at, pids, output = None, {}, []
    try:
        for line in process.stdout:
            output.append(line)
            if line.startswith("starting the AWS emulator"):
                emulator_at = time.monotonic()
            match = _STARTED.match(line.strip())
            if match:
                pids = {name: int(pid) for name, pid in _PID.findall(match.group(1))}
                break
            if time.monotonic() - started_at > timeout:
                break
        ready_at = time.monotonic()
        if not pids:
            raise RuntimeError("up did not start:\n" + "".join(output[-40:]))
        memory = sum(resident_kib(pid) for pid in pids.values() if alive(pid))
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    time.sleep(0.5)
    left = [name for name, pid in pids.items() if alive(pid)]
    if left:
        raise RuntimeError(f"up left processes running after Ctrl-C: {left}")
    return {
        "processes": len(pids),
        "to_ready": ready_at - (emulator_at or started_at),
        "with_pants": ready_at - started_at,
        "rss_mib": memory / 1024,
    }


def run(workdir: Path, repeats: int) -> Section:
    project = build_repo(workdir, 4)  # reports and four more: 5 modules
    sizes = {1: ["reports"], 5: ["reports", *(service_name(i) for i in range(1, 5))]}
    s = Section(
        "local",
        "6. The whole repository on one machine (stack/local:up)",
        ["modules", "processes", "start to every /ready", "incl. ./pants run", "resident memory, all processes"],
    )
    for size, modules in sizes.items():
        one_up(project, modules)  # warm-up: builds the PEX files once
        runs = [one_up(project, modules) for _ in range(repeats)]
        log(f"up with {size} modules: {runs}")
        s.rows.append([
            str(size), str(runs[0]["processes"]), seconds(median([r["to_ready"] for r in runs])),
            seconds(median([r["with_pants"] for r in runs])), f"{median([r['rss_mib'] for r in runs]):.0f} MiB",
        ])  # fmt: skip
        s.extra[str(size)] = runs
    s.notes = [
        "start to every /ready: from `up` starting the emulator (after its nested `./pants package`) until every "
        "API answers /ready and every worker has logged `worker started`; medians of "
        f"{repeats} runs after one warm-up",
        "incl. ./pants run: the same from launching `./pants run stack/local:up` (no pantsd), so Pants' own start "
        "and the packaging check are in it",
        "resident memory: VmRSS of moto and every API and worker process, summed",
    ]
    return s
