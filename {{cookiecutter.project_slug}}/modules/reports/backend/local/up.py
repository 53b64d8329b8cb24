"""Run the reports module on this machine, no Docker and no AWS account needed.

    ./pants run modules/reports/backend/local:up              # run until Ctrl-C
    ./pants run modules/reports/backend/local:up -- --demo    # one job end to end, then exit

Starts moto's AWS emulator on loopback, creates the queue (with its dead-letter queue) and
the bucket, starts the API and the worker pointed at them, prints where to send requests
and follows their logs. Ctrl-C (or SIGTERM) stops the worker, the API and the emulator, in
that order, each by its pid. ``--demo`` submits one job through the API, waits for the
worker to store its result, prints the request's journey from the services' own log lines
and exits 0 (1 if the job did not complete in time).
"""

import argparse
import json
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx

from reports.backend.local.runtime import LocalReports, log_lines
from reports.backend.settings import ReportsSettings
from stack.local.emulator import MotoEmulator
from stack.local.processes import ManagedProcess, ProcessFailed

# A short long-poll locally, so Ctrl-C stops the worker within a second or two.
LOCAL_SETTINGS = {"REPORTS_RECEIVE_WAIT_SECONDS": "2", "LOG_LEVEL": "INFO"}
EXAMPLE_BODY = {"title": "quarterly sales", "values": [120.5, 98.25, 143.0, 110.75]}


class Stopped(Exception):
    """SIGINT or SIGTERM arrived."""


def _on_signal(signum: int, _frame: object) -> None:
    # Ignore further signals while we stop the children ourselves.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Stopped(signal.Signals(signum).name)


def banner(emulator: MotoEmulator, reports: LocalReports, api_url: str, run_dir: Path) -> str:
    assert reports.resources is not None
    body = json.dumps(EXAMPLE_BODY)
    return f"""
reports is running on loopback
  API             {api_url}   (OpenAPI docs: {api_url}/docs)
  AWS emulator    {emulator.endpoint_url}   (moto; fake credentials)
  queue           {reports.resources.queue_url}
  dead letters    {reports.resources.dead_letter_queue_url}
  bucket          {reports.resources.bucket_name}
  logs            api.log, worker.log and moto.log in {run_dir}

Submit a job, then read it with the job_id from the answer:
  curl -s -X POST {api_url}/reports -H 'content-type: application/json' -d '{body}'
  curl -s {api_url}/reports/JOB_ID

Ctrl-C stops everything.
"""


class LogFollower:
    """Prints new JSON log lines of the children as they appear, one short line each."""

    def __init__(self, processes: list[ManagedProcess]) -> None:
        self.processes = processes
        self.offsets = {process.name: 0 for process in processes}

    def poll(self) -> None:
        for process in self.processes:
            try:
                with open(process.log_path, "rb") as log:
                    log.seek(self.offsets[process.name])
                    chunk = log.read()
            except FileNotFoundError:
                continue
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self.offsets[process.name] += len(complete)
            for line in complete.decode(errors="replace").splitlines():
                print(format_line(process.name, line), flush=True)


def format_line(source: str, line: str) -> str:
    try:
        entry = json.loads(line)
    except ValueError:
        return f"[{source}] {line}"
    clock = entry.pop("time", "")[11:23]
    level, message = entry.pop("level", ""), entry.pop("message", "")
    entry.pop("logger", None)
    details = " ".join(f"{key}={value}" for key, value in entry.items())
    return f"{clock} [{source:6}] {level:7} {message}  {details}".rstrip()


def follow(reports: LocalReports) -> int:
    follower = LogFollower(reports.processes.processes)
    while True:
        follower.poll()
        for process in reports.processes.processes:
            if not process.running():
                print(f"\n{process.name} exited with code {process.returncode()}; stopping.", file=sys.stderr)
                return 1
        time.sleep(0.2)


def demo(reports: LocalReports, api_url: str, timeout: float = 60.0) -> int:
    trace_id = f"demo-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=api_url, timeout=10) as http:
        started = time.monotonic()
        submitted = http.post("/reports", json=EXAMPLE_BODY, headers={"X-Request-ID": trace_id})
        print(f"\nPOST /reports  X-Request-ID: {trace_id}\n  -> {submitted.status_code} {submitted.text}")
        if submitted.status_code != 202:
            return 1
        job_id = submitted.json()["job_id"]
        job: dict = {}
        # Bounded polling: every 100 ms, for at most `timeout` seconds.
        while time.monotonic() - started < timeout:
            job = http.get(f"/reports/{job_id}", headers={"X-Request-ID": f"{trace_id}-read"}).json()
            if job["state"] != "queued":
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    print(f"GET /reports/{job_id}\n  -> {json.dumps(job)}")
    time.sleep(0.3)  # let the children flush the log lines of this request
    print_journey(reports, trace_id)
    if job.get("state") != "done":
        print(f"\nthe job did not complete within {timeout:.0f} s (state: {job.get('state')})", file=sys.stderr)
        return 1
    print(f"\njob {job_id} done in {elapsed * 1000:.0f} ms: API -> queue -> worker -> store -> API")
    return 0


def print_journey(reports: LocalReports, trace_id: str) -> None:
    """The log lines of the demo request, from every process, in time order."""
    lines = []
    for process in reports.processes.processes:
        for entry in log_lines(process):
            if str(entry.get("request_id", "")).startswith(trace_id):
                lines.append((entry["time"], process.name, entry))
    reads = [line for line in lines if line[2]["request_id"] != trace_id]
    # The polling GETs look alike: keep the last one, which saw the result.
    journey = sorted([line for line in lines if line[2]["request_id"] == trace_id] + sorted(reads)[-1:])
    print(f"\nThe journey of request {trace_id}, from the services' logs:")
    start_time = datetime.fromisoformat(journey[0][0]) if journey else None
    for time_text, source, entry in journey:
        offset = (datetime.fromisoformat(time_text) - start_time).total_seconds() * 1000 if start_time else 0.0
        fields = {k: v for k, v in entry.items() if k not in {"time", "level", "logger", "message", "request_id"}}
        details = " ".join(f"{key}={value}" for key, value in fields.items())
        print(f"  +{offset:7.1f} ms  {source:6}  {entry['message']}  {details}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", action="store_true", help="run one job end to end, print its journey, exit")
    parser.add_argument("--region", default=ReportsSettings().aws_region)
    parser.add_argument("--run-dir", type=Path, help="where logs go (default: a new temporary directory)")
    args = parser.parse_args(argv)

    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="reports-local-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    stoppers: list[Callable[[], None]] = []
    try:
        emulator = MotoEmulator(run_dir, args.region)
        stoppers.append(emulator.stop)
        print("starting the AWS emulator (moto) ...", flush=True)
        emulator.start()
        reports = LocalReports(emulator, run_dir, settings=LOCAL_SETTINGS)
        stoppers.append(reports.stop)
        reports.create_resources()
        print("starting the API and the worker ...", flush=True)
        api = reports.start_api()
        worker = reports.start_worker()
        pids = f"moto pid {emulator.process.pid}, api pid {api.process.pid}, worker pid {worker.pid}"
        print(f"started: {pids}", flush=True)
        if args.demo:
            return demo(reports, api.url)
        print(banner(emulator, reports, api.url, run_dir), flush=True)
        return follow(reports)
    except Stopped as stopped:
        print(f"\n{stopped} received: stopping the worker, the API and the emulator ...", flush=True)
        return 0
    except ProcessFailed as failed:
        print(f"\ncould not start: {failed}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # no second interruption mid-cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for stop in reversed(stoppers):
            stop()
        print(f"stopped; logs are in {run_dir}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
