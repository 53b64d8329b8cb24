"""4. API throughput and latency, 5. worker throughput and AWS calls per job."""

import json
import os
from pathlib import Path

from benchmarks.common import TEMPLATE_DIR, Section, log, timed
from benchmarks.repos import build_repo, union_venv

# The fewest AWS calls a job can cost, with SQS batches of 10: the API's conditional put of
# the queued record and its send (one job per API request: batching sends would mean
# holding accepted jobs in memory), the worker's put of the outcome, a tenth of a receive
# and a tenth of a DeleteMessageBatch. Every other call the runs make counts against it.
MINIMUM = {"PutObject": 2.0, "SendMessage": 1.0, "ReceiveMessage": 0.1, "DeleteMessageBatch": 0.1}
GOAL = 1.3


def run(workdir: Path, services: int, requests: int) -> Section:
    project = build_repo(workdir, services)
    venv = union_venv(workdir, project)
    out = workdir / "results" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {"PYTHONPATH": os.pathsep.join(map(str, [TEMPLATE_DIR, project, project / "modules"]))}
    log(f"load runs: {requests} requests per phase, 3 rounds; {requests} jobs for the worker")
    result = timed(
        [str(venv / "bin/python"), "-m", "benchmarks.load_runner", "--requests", str(requests),
         "--jobs", str(requests), "--out", str(out)],
        workdir, env, timeout=1800,
    )
    if result.returncode:
        raise RuntimeError(f"load runner failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    data = json.loads(out.read_text())
    return section(data, requests)


def section(data: dict, requests: int) -> Section:
    s = Section("runtime", "4-5. API and worker on loopback", ["what", "req/s or jobs/s", "p50", "p99", "vs ceiling / minimum"])
    bare = data["api"]["bare FastAPI"]
    for name, variant in data["api"].items():
        for endpoint in ("submit", "read"):
            numbers = variant[endpoint]
            ratio = numbers["rps"] / bare[endpoint]["rps"]
            errors = f", {numbers['errors']} errors" if numbers["errors"] else ""
            s.rows.append([
                f"{endpoint}: {name}", f"{numbers['rps']:.0f} req/s {numbers['rps_runs']}",
                f"{numbers['p50_ms']:.1f} ms", f"{numbers['p99_ms']:.1f} ms",
                f"{ratio:.0%} of bare{errors}" + (" (goal >= 80%)" if name.startswith("reports, in-memory") else ""),
            ])
    worker = data["worker"]
    jobs = worker["jobs"] or 1
    s.rows.append([
        "worker: jobs end to end (queued, then one worker)", f"{worker['jobs_per_second']:.1f} jobs/s",
        "", "", f"{worker['done']}/{worker['jobs']} done in {worker['seconds']:.1f} s",
    ])
    calls = _merge(worker["submit_calls"], worker["worker_calls"])
    for action in sorted(set(calls) | set(MINIMUM)):
        per_job = calls.get(action, 0) / jobs
        minimum = f"minimum {MINIMUM.get(action, 0):.2f}"
        s.rows.append([f"AWS calls per job: {action}", f"{per_job:.2f}", "", "", minimum])
    total, least = sum(calls.values()) / jobs, sum(MINIMUM.values())
    s.rows.append(["AWS calls per job: every call", f"{total:.2f}", "", "",
                   f"{total / least:.2f}x the minimum {least:.2f} (goal <= {GOAL}x)"])
    s.notes += [
        f"Load: {requests} requests per endpoint per round, 3 rounds interleaved across the variants, "
        f"{data['concurrency']} client threads with keep-alive connections (the platform's load generator, "
        "stack/local/load.py), one uvicorn process per variant, all on loopback. "
        "req/s is the median round; p50/p99 over all rounds.",
        "Every variant is served like the reports API's main.py (stack.libs.http.serve: uvicorn on an "
        "inherited socket, no access log). `bare FastAPI`: same routes, a dict body, no middleware or models "
        "(the ceiling). `in-memory`: the reports app (request-id and body-size middleware, pydantic validation, error handlers) with "
        "in-memory queue/store, the measure of our code. `on the emulator`: the real app calling moto's "
        "SQS and S3 over loopback; moto (a Flask server in Python) is the bottleneck there, not our code.",
        "Limits: 2 shared cores run the client, the server and moto together, so the Python load generator "
        "caps every variant (compare the ratios); uvicorn runs one worker process.",
        f"Worker: {worker['jobs']} jobs queued through the API with no worker running, then one worker "
        "(batch 10, 1 s long poll) started; timed from its ready log line to its last `message deleted` "
        "line. AWS calls counted by moto's request recorder over submit and worker phases together "
        f"(submit: {worker['submit_calls']}; worker: {worker['worker_calls']}).",
        "Every call counts: moto records each request it serves, from the first submission to the worker's "
        "last delete, including the worker's start-up (GetQueueAttributes for the redrive policy) and its "
        "empty long polls at the end. Minimum per job with batching: 2 PutObject (the queued record with "
        "If-None-Match, the outcome with If-Match), 1 SendMessage (one job per API request), 0.1 "
        "ReceiveMessage and 0.1 DeleteMessageBatch (batches of 10).",
    ]
    s.extra = data
    return s


def _merge(*counts: dict[str, int]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for each in counts:
        for action, n in each.items():
            merged[action] = merged.get(action, 0) + n
    return merged
