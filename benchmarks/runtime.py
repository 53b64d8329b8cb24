"""4. API throughput and latency, 5. worker throughput and AWS calls per job."""

import json
import os
from pathlib import Path

from benchmarks.common import TEMPLATE_DIR, Section, log, timed
from benchmarks.repos import build_repo, union_venv

# Per job, with SQS batches of 10: one send (each API request carries one job; batching
# sends would mean holding accepted jobs in memory), a tenth of a receive, a tenth of a
# delete (DeleteMessageBatch), two object puts (the queued record, then the result).
MINIMUM = {"sends": 1.0, "receives": 0.1, "deletes": 0.1, "object puts": 2.0}
GROUPS = {
    "sends": ("SendMessage", "SendMessageBatch"),
    "receives": ("ReceiveMessage",),
    "deletes": ("DeleteMessage", "DeleteMessageBatch"),
    "object puts": ("PutObject",),
}


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
    calls = {**_merge(worker["submit_calls"], worker["worker_calls"])}
    total = minimum = 0.0
    for group, actions in GROUPS.items():
        per_job = sum(calls.get(action, 0) for action in actions) / jobs
        total += per_job
        minimum += MINIMUM[group]
        s.rows.append([f"AWS calls per job: {group}", f"{per_job:.2f}", "", "", f"minimum {MINIMUM[group]:.2f}"])
    s.rows.append(["AWS calls per job: the four together", f"{total:.2f}", "", "",
                   f"{total / minimum:.2f}x the minimum {minimum:.2f} (goal <= 1.3x)"])
    others = {action: n for action, n in calls.items() if not any(action in group for group in GROUPS.values())}
    s.notes += [
        f"Load: {requests} requests per endpoint per round, 3 rounds interleaved across the variants, "
        f"{data['concurrency']} client threads with keep-alive connections (the module's load generator, "
        "modules/reports/backend/local/load.py), one uvicorn process per variant, all on loopback. "
        "req/s is the median round; p50/p99 over all rounds.",
        "Every variant is served like the reports API's main.py (uvicorn.run on an inherited socket, no access "
        "log). `bare FastAPI`: same routes, a dict body, no middleware or models (the ceiling). `in-memory`: "
        "the reports app (request-id and body-size middleware, pydantic validation, error handlers) with "
        "in-memory queue/store, the measure of our code. `on the emulator`: the real app calling moto's "
        "SQS and S3 over loopback; moto (a Flask server in Python) is the bottleneck there, not our code.",
        "Limits: 2 shared cores run the client, the server and moto together, so the Python load generator "
        "caps every variant (compare the ratios); uvicorn runs one worker process.",
        f"Worker: {worker['jobs']} jobs queued through the API with no worker running, then one worker "
        "(batch 10, 1 s long poll) started; timed from its ready log line to its last `message deleted` "
        "line. AWS calls counted by moto's request recorder over submit and worker phases together "
        f"(submit: {worker['submit_calls']}; worker: {worker['worker_calls']}).",
        "Minimum per job with batching: 1 send (one job per API request), 0.1 receive and 0.1 delete "
        "(batches of 10), 2 object puts (queued record, result). Other calls, not in the goal: "
        f"{ {action: round(n / jobs, 2) for action, n in others.items()} } per job (GetObject: the worker "
        "reads the job record before working on it).",
    ]
    s.extra = data
    return s


def _merge(*counts: dict[str, int]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for each in counts:
        for action, n in each.items():
            merged[action] = merged.get(action, 0) + n
    return merged
