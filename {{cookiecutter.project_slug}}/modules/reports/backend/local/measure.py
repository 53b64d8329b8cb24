"""Measure the local stack: API requests/s with p50/p99 latency, and jobs/s end to end.

    ./pants run modules/reports/backend/local:measure -- --jobs 300 --concurrency 8

Everything runs on loopback (moto, the API, one worker, this load generator) with a fixed
request count, so the run is bounded. The numbers describe this machine and the emulator,
not AWS: see docs/local-development.md for what limits them.
"""

import argparse
import sys
import tempfile
import time
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=300, help="jobs to submit (and requests per phase)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the jobs to finish")
    args = parser.parse_args(argv)

    run_dir = Path(tempfile.mkdtemp(prefix="reports-measure-"))
    emulator = MotoEmulator(run_dir, ReportsSettings().aws_region)
    reports = LocalReports(emulator, run_dir, settings={"REPORTS_RECEIVE_WAIT_SECONDS": "1", "LOG_LEVEL": "WARNING"})
    try:
        emulator.start()
        reports.create_resources()
        api = reports.start_api()
        reports.start_worker()
        # Warm up connections and code paths; not counted.
        submit_jobs(api.url, 20, args.concurrency)

        health = LoadPlan(api.url, args.jobs, args.concurrency, lambda http, _: http.get("/health"), 200).run()
        started = time.perf_counter()
        submitted = submit_jobs(api.url, args.jobs, args.concurrency)
        job_ids = [outcome.body["job_id"] for outcome in submitted.outcomes if outcome.body and outcome.status == 202]
        final = wait_for_jobs(api.url, job_ids, args.timeout)
        end_to_end = time.perf_counter() - started
        done = sum(1 for job in final.values() if job.get("state") == "done")
        reads = read_jobs(api.url, job_ids, args.concurrency)

        print(f"\n{args.jobs} requests per phase, concurrency {args.concurrency}, loopback, one API and one worker")
        print(f"{'phase':28} {'reqs':>6} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7}")
        print(row("GET /health", health))
        print(row("POST /reports (submit)", submitted))
        print(row("GET /reports/{id} (read)", reads))
        print(
            f"\njobs end to end: {done}/{len(job_ids)} done in {end_to_end:.2f} s "
            f"= {done / end_to_end:.1f} jobs/s (first submit to last result readable)"
        )
        lost = len(job_ids) - done
        return 0 if lost == 0 and not submitted.errors and not reads.errors else 1
    finally:
        reports.stop()
        emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
