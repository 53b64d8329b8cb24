"""Measure the local stack: API requests/s with p50/p99 latency, and jobs/s end to end.

    ./pants run modules/reports/backend/local:measure -- --jobs 300 --concurrency 8

Everything runs on loopback (moto, the API, one worker, this load generator) with a fixed
request count, so the run is bounded. The numbers describe this machine and the emulator,
not AWS: see docs/local-development.md for what limits them.
"""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from reports.backend.local.load import LoadPlan, LoadResult, read_jobs, submit_jobs, wait_for_jobs
from reports.backend.local.runtime import LocalReports
from reports.backend.settings import ReportsSettings
from stack.local.emulator import MotoEmulator


def row(name: str, result: LoadResult) -> str:
    return (
        f"{name:28} {len(result.outcomes):6d} {result.requests_per_second:10.1f} "
        f"{result.latency(50) * 1000:9.1f} {result.latency(99) * 1000:9.1f} {len(result.errors):7d}"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_share(pids: dict[str, int], phase: Callable[[], object]) -> tuple[float, dict[str, float]]:
    """Run ``phase``; return its wall time and the CPU seconds each process spent in it."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    phase()
    wall = time.perf_counter() - started
    return wall, {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}


def cpu_line(name: str, wall: float, used: dict[str, float]) -> str:
    shares = ", ".join(f"{process} {seconds / wall:.0%}" for process, seconds in used.items())
    return f"  {name:26} CPU per wall second: {shares}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=300, help="jobs to submit (and requests per phase)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the jobs to finish")
    args = parser.parse_args(argv)

    run_dir = Path(tempfile.mkdtemp(prefix="reports-measure-"))
    emulator = MotoEmulator(run_dir, ReportsSettings().aws_region)
    reports = LocalReports(emulator, run_dir, settings={"REPORTS_RECEIVE_WAIT_SECONDS": "1"})
    try:
        emulator.start()
        reports.create_resources()
        api = reports.start_api()
        worker = reports.start_worker()
        pids = {"load generator": os.getpid(), "api": api.process.pid, "worker": worker.pid}
        pids["moto"] = emulator.process.pid
        # Warm up connections and code paths; not counted.
        warm_up = submit_jobs(api.url, 20, args.concurrency)
        wait_for_jobs(api.url, [o.body["job_id"] for o in warm_up.outcomes if o.body], 60)

        results: dict[str, LoadResult] = {}
        final: dict[str, dict] = {}

        def health_phase() -> None:
            plan = LoadPlan(api.url, args.jobs, args.concurrency, lambda http, _: http.get("/health"), 200)
            results["health"] = plan.run()

        def jobs_phase() -> None:
            results["submit"] = submit_jobs(api.url, args.jobs, args.concurrency)
            ids = [o.body["job_id"] for o in results["submit"].outcomes if o.body and o.status == 202]
            final.update(wait_for_jobs(api.url, ids, args.timeout))

        def read_phase() -> None:
            results["read"] = read_jobs(api.url, list(final), args.concurrency)

        cpu = [("GET /health", *cpu_share(pids, health_phase))]
        cpu.append(("submit + process all jobs", *cpu_share(pids, jobs_phase)))
        end_to_end = cpu[-1][1]
        cpu.append(("GET /reports/{id}", *cpu_share(pids, read_phase)))
        health, submitted, reads = results["health"], results["submit"], results["read"]
        job_ids = list(final)
        done = sum(1 for job in final.values() if job.get("state") == "done")

        print(f"\n{args.jobs} requests per phase, concurrency {args.concurrency}, loopback, one API and one worker")
        print(f"{'phase':28} {'reqs':>6} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}")
        print(row("GET /health", health))
        print(row("POST /reports (submit)", submitted))
        print(row("GET /reports/{id} (read)", reads))
        print(
            f"\njobs end to end: {done}/{len(job_ids)} done in {end_to_end:.2f} s "
            f"= {done / end_to_end:.1f} jobs/s (first submit to last result readable)"
        )
        print(f"\nwhere the time goes ({os.cpu_count()} CPUs; 100% = one core busy):")
        for name, wall, used in cpu:
            print(cpu_line(name, wall, used))
        lost = len(job_ids) - done
        return 0 if lost == 0 and not submitted.errors and not reads.errors else 1
    finally:
        reports.stop()
        emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
