"""``./pants run stack/local:up -- --demo``: one job through every module, then exit.

Each module with an API and a worker gets its API's documented example request (the POST
that answers 202), polled until the job is done. Each ``uses`` link of module.toml (A uses
B) gets one job sent to the queue URL the runtime handed A (``<A>_USES_QUEUE_URLS``), in
the wire format of B's publisher, with B's own example request; it is complete when B's
worker logs that it stored the result. Every job's journey is printed from the services'
own log lines. Exit 0 only if every job completed.
"""

import json
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import httpx

from stack.libs.request_ids import REQUEST_ID_ATTRIBUTE
from stack.local.module import ApiProcess, log_lines

if TYPE_CHECKING:
    from stack.local.up import Repository

# Run in the provider's worker PEX (PEX_INTERPRETER): one message as its publisher sends it.
_MESSAGE_OF_EXAMPLE = """
import json, sys, uuid
from {module}.backend.service import JOBS
example, *_ = JOBS.request_model.model_json_schema()["examples"]
request = JOBS.request_model.model_validate_json(json.dumps(example))
print(JOBS.message_model(job_id=uuid.uuid4().hex, request=request).model_dump_json())
"""


@dataclass
class DemoJob:
    label: str
    trace_id: str
    done: bool


def jobs_route(openapi: dict) -> tuple[str, dict]:
    """The path that takes job requests (a POST answering 202) and its documented example."""
    for path, operations in openapi["paths"].items():
        post = operations.get("post")
        if post and "202" in post["responses"]:
            schema = post["requestBody"]["content"]["application/json"]["schema"]
            name = schema["$ref"].rsplit("/", 1)[-1]
            example, *_ = openapi["components"]["schemas"][name]["examples"]
            return path, example
    raise LookupError("no POST route answering 202 (a job submission) in the OpenAPI schema")


def through_api(module: str, api: ApiProcess, timeout: float) -> DemoJob:
    trace_id = f"demo-{module}-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=api.url, timeout=10) as http:
        path, example = jobs_route(http.get("/openapi.json").json())
        started = time.monotonic()
        submitted = http.post(path, json=example, headers={"X-Request-ID": trace_id})
        print(f"\n[{module}] POST {path}  X-Request-ID: {trace_id}\n  -> {submitted.status_code} {submitted.text}")
        if submitted.status_code != 202:
            return DemoJob(module, trace_id, False)
        job_id, job = submitted.json()["job_id"], {}
        while time.monotonic() - started < timeout:  # bounded polling
            job = http.get(f"{path}/{job_id}", headers={"X-Request-ID": f"{trace_id}-read"}).json()
            if job["state"] != "queued":
                break
            time.sleep(0.1)
    print(f"[{module}] GET {path}/{job_id}\n  -> {json.dumps(job)}")
    done = job.get("state") == "done"
    verdict = f"done in {(time.monotonic() - started) * 1000:.0f} ms" if done else f"not done: {job.get('state')}"
    print(f"[{module}] job {job_id} {verdict}: API -> queue -> worker -> store -> API")
    return DemoJob(module, trace_id, done)


def through_link(repository: "Repository", consumer: str, provider: str, timeout: float) -> DemoJob:
    """One job from ``consumer`` to ``provider``'s worker, on the URL ``consumer`` was given."""
    label, trace_id = f"{consumer} -> {provider}", f"demo-{consumer}-to-{provider}-{uuid.uuid4().hex[:8]}"
    local, worker = repository.modules[consumer], repository.workers[provider]
    queue_url = json.loads(local.settings[f"{local.env_prefix}USES_QUEUE_URLS"])[provider]
    command = repository.modules[provider].worker_command or [sys.executable]
    script = [*command, "-c", _MESSAGE_OF_EXAMPLE.format(module=provider)]
    made = subprocess.run(
        script,  # noqa: S603 - the provider's own PEX, running our code
        env={**local.env(), "PEX_INTERPRETER": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if made.returncode != 0:
        print(f"\n[{label}] could not make {provider}'s example message:\n{made.stderr[-2000:]}", file=sys.stderr)
        return DemoJob(label, trace_id, False)
    body = made.stdout.strip().splitlines()[-1]
    job_id = json.loads(body)["job_id"]
    started = time.monotonic()
    repository.emulator.client("sqs").send_message(
        QueueUrl=queue_url,
        MessageBody=body,
        MessageAttributes={REQUEST_ID_ATTRIBUTE: {"DataType": "String", "StringValue": trace_id}},
    )
    print(f"\n[{label}] sent to {consumer.upper()}_USES_QUEUE_URLS[{provider!r}] = {queue_url}\n  {body}")
    done = False
    while not done and time.monotonic() - started < timeout:  # bounded polling of the worker's log
        done = any(
            entry.get("job_id") == job_id and entry.get("message") == "job done, result stored"
            for entry in log_lines(worker)
        )
        time.sleep(0.1)
    verdict = f"done in {(time.monotonic() - started) * 1000:.0f} ms" if done else "not done"
    print(f"[{label}] job {job_id} {verdict}: {consumer}'s publisher -> {provider}'s queue -> worker -> store")
    return DemoJob(label, trace_id, done)


def run_demo(repository: "Repository", timeout: float = 60.0) -> int:
    jobs: list[DemoJob] = []
    for module, api in repository.apis.items():
        if module not in repository.workers:
            print(f"\n[{module}] has no worker: its jobs stay queued locally; skipped")
            continue
        jobs.append(through_api(module, api, timeout))
    for part in repository.parts:
        for provider in part.uses:
            if provider in repository.workers:
                jobs.append(through_link(repository, part.name, provider, timeout))
    time.sleep(0.3)  # let the children flush the log lines of these requests
    for job in jobs:
        print_journey(repository, job.trace_id)
    failed = [job.label for job in jobs if not job.done]
    if failed:
        print(f"\nnot completed within {timeout:.0f} s: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"\nevery demo job completed: {', '.join(job.label for job in jobs) or 'no module with a worker'}")
    return 0


def print_journey(repository: "Repository", trace_id: str) -> None:
    """The log lines of one demo request, from every process, in time order."""
    lines = [
        (entry["time"], process.name, entry)
        for process in repository.processes()
        for entry in log_lines(process)
        if str(entry.get("request_id", "")).startswith(trace_id)
    ]
    reads = [line for line in lines if line[2]["request_id"] != trace_id]
    # The polling GETs look alike: keep the last one, which saw the result.
    journey = sorted([line for line in lines if line[2]["request_id"] == trace_id] + sorted(reads)[-1:])
    print(f"\nThe journey of request {trace_id}, from the services' logs:")
    start = datetime.fromisoformat(journey[0][0]) if journey else None
    for time_text, source, entry in journey:
        offset = (datetime.fromisoformat(time_text) - start).total_seconds() * 1000 if start else 0.0
        fields = {k: v for k, v in entry.items() if k not in {"time", "level", "logger", "message", "request_id"}}
        details = " ".join(f"{key}={value}" for key, value in fields.items())
        print(f"  +{offset:7.1f} ms  {source}  {entry['message']}  {details}")
