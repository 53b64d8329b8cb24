"""Sections 4 and 5, run inside one virtualenv with the service requirements and the
generated repo on PYTHONPATH (benchmarks/runtime.py starts it). Reuses the platform's local
runtime (stack.local.module.LocalModule: one module's queue, bucket, API and worker on moto)
and load generator (stack.local.load) and writes JSON.

    python -m benchmarks.load_runner --requests 300 --jobs 300 --out results.json
"""

import argparse
import base64
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx

from reports.backend.settings import ReportsSettings
from stack.local.emulator import MotoEmulator
from stack.local.load import LoadPlan, LoadResult, read_jobs, submit_jobs
from stack.local.module import LocalModule, log_lines
from stack.local.processes import ManagedProcess, listening_socket, python_env

CONCURRENCY = 8
PATH = "/reports"


def report_request(index: int) -> dict:
    """A distinct request per job, a few numbers long (like the module's own tests)."""
    return {"title": f"report {index}", "values": [float(value) for value in range(1, index % 7 + 2)]}


def submit(url: str, count: int) -> LoadResult:
    return submit_jobs(url, PATH, [report_request(i) for i in range(count)], CONCURRENCY)


def start_variant(reports: LocalModule, variant: str) -> str:
    """Start ``python -m benchmarks.apps VARIANT`` like LocalModule.start_api starts the API."""
    sock = listening_socket()
    host, port = sock.getsockname()
    try:
        process = reports.processes.add(
            ManagedProcess(
                variant,
                [sys.executable, "-m", "benchmarks.apps", variant],
                log_path=reports.run_dir / f"{variant}.log",
                env=python_env({**reports.env(), "LISTEN_FD": str(sock.fileno())}),
                pass_fds=[sock.fileno()],
            ).start()
        )
    finally:
        sock.close()
    url = f"http://{host}:{port}"
    process.wait_ready(lambda: httpx.get(f"{url}/health", timeout=2).status_code == 200, 60)
    return url


def summary(results: list[LoadResult]) -> dict:
    latencies = sorted(outcome.seconds for result in results for outcome in result.outcomes)

    def pct(p: float) -> float:
        return latencies[max(int(p / 100 * len(latencies) + 0.999999) - 1, 0)] * 1000

    return {
        "rps": statistics.median(result.requests_per_second for result in results),
        "rps_runs": [round(result.requests_per_second, 1) for result in results],
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "requests": sum(len(result.outcomes) for result in results),
        "errors": sum(len(result.errors) for result in results),
    }


def api_phase(run_dir: Path, requests: int, rounds: int) -> dict:
    emulator = MotoEmulator(run_dir / "api", ReportsSettings().aws_region)
    (run_dir / "api").mkdir()
    reports = LocalModule("reports", emulator, run_dir / "api", settings={"LOG_LEVEL": "WARNING"})
    try:
        emulator.start()
        reports.create_resources()
        urls = {
            "bare FastAPI": start_variant(reports, "bare"),
            "reports, in-memory queue/store": start_variant(reports, "memory"),
            "reports on the emulator (SQS+S3)": reports.start_api().url,
        }
        for url in urls.values():  # warm up connections and code paths; not counted
            submit(url, 30)
        submits: dict[str, list[LoadResult]] = {name: [] for name in urls}
        reads: dict[str, list[LoadResult]] = {name: [] for name in urls}
        for _ in range(rounds):  # interleaved, so a noisy moment hits every variant alike
            for name, url in urls.items():
                submitted = submit(url, requests)
                submits[name].append(submitted)
                ids = [o.body["job_id"] for o in submitted.outcomes if o.body and o.status == 202]
                reads[name].append(read_jobs(url, PATH, ids, CONCURRENCY))
        health = {name: summary([LoadPlan(url, requests, CONCURRENCY, lambda h, _: h.get("/health"), 200).run()])
                  for name, url in urls.items()}
        return {
            name: {"submit": summary(submits[name]), "read": summary(reads[name]), "health": health[name]}
            for name in urls
        }
    finally:
        reports.stop()
        emulator.stop()


def classify(entry: dict) -> str:
    """The AWS API action of one recorded request to the emulator."""
    headers = {key.lower(): value for key, value in entry.get("headers", {}).items()}
    target = headers.get("x-amz-target", "")
    if target.startswith("AmazonSQS."):
        return target.split(".", 1)[1]
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    action = parse_qs(body).get("Action") or parse_qs(urlparse(entry["url"]).query).get("Action")
    if action:
        return action[0]
    method = entry.get("method", "")
    return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(
        method, f"{method} {urlparse(entry['url']).path}"
    )


def recorded(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [classify(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def count(actions: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for action in actions:
        counts[action] = counts.get(action, 0) + 1
    return dict(sorted(counts.items()))


def worker_phase(run_dir: Path, jobs: int, timeout: float) -> dict:
    """Queue ``jobs`` with no worker running, then start one worker and time it to the last delete."""
    directory = run_dir / "worker"
    directory.mkdir()
    recording = directory / "recording.jsonl"
    # moto records every request it serves to this file (its "recorder" feature).
    os.environ["MOTO_ENABLE_RECORDING"] = "true"
    os.environ["MOTO_RECORDER_FILEPATH"] = str(recording)
    emulator = MotoEmulator(directory, ReportsSettings().aws_region)
    del os.environ["MOTO_ENABLE_RECORDING"], os.environ["MOTO_RECORDER_FILEPATH"]
    # Long polls of 1 s (not 20) so that the idle tail after the last job stays short.
    reports = LocalModule(
        "reports", emulator, directory, settings={"REPORTS_RECEIVE_WAIT_SECONDS": "1", "LOG_LEVEL": "INFO"}
    )
    try:
        emulator.start()
        reports.create_resources()
        api = reports.start_api()
        setup = len(recorded(recording))
        submitted = submit(api.url, jobs)
        queued = len([o for o in submitted.outcomes if o.status == 202])
        after_submit = len(recorded(recording))
        worker = reports.start_worker()
        started = time.perf_counter()

        def deleted() -> int:
            return sum(1 for line in log_lines(worker) if line.get("message") == "message deleted")

        deadline = time.monotonic() + timeout
        while deleted() < queued and time.monotonic() < deadline:
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        done = deleted()
        actions = recorded(recording)
        submit_calls = count(actions[setup:after_submit])
        worker_calls = count(actions[after_submit:])
        return {
            "jobs": queued,
            "done": done,
            "seconds": elapsed,
            "jobs_per_second": done / elapsed if elapsed else 0.0,
            "submit_calls": submit_calls,
            "worker_calls": worker_calls,
            "batch_size": 10,
        }
    finally:
        reports.stop()
        emulator.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    run_dir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        result = {
            "api": api_phase(run_dir, args.requests, args.rounds),
            "worker": worker_phase(run_dir, args.jobs, args.timeout),
            "concurrency": CONCURRENCY,
        }
    except BaseException:
        print(f"logs kept in {run_dir}", file=sys.stderr)
        raise
    shutil.rmtree(run_dir, ignore_errors=True)
    args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
