"""The API answers bad input clearly and keeps serving; a bounded load run loses nothing.

Real processes on loopback: the moto server, the API server and a worker.
"""

import socket
from collections.abc import Callable

import httpx
import pytest

from reports.backend.local.load import LoadPlan, read_jobs, report_body, submit_jobs, wait_for_jobs
from reports.backend.local.runtime import LocalReports
from reports.backend.tests.reliability.support import queue_depth, stored_versions

pytestmark = pytest.mark.reliability

MAX_BODY = 4096
_JSON = {"content-type": "application/json"}


def first_error(response: httpx.Response) -> dict:
    return response.json()["detail"][0]


BAD_REQUESTS: list[tuple[str, Callable[[httpx.Client], httpx.Response], int, Callable[[httpx.Response], bool]]] = [
    (
        "wrong type in a list",
        lambda http: http.post("/reports", json={"title": "t", "values": [1, "many"]}),
        422,
        lambda r: first_error(r)["loc"] == ["body", "values", 1] and first_error(r)["type"] == "float_parsing",
    ),
    (
        "wrong type of field",
        lambda http: http.post("/reports", json={"title": ["t"], "values": [1]}),
        422,
        lambda r: first_error(r)["loc"] == ["body", "title"] and first_error(r)["type"] == "string_type",
    ),
    (
        "missing field",
        lambda http: http.post("/reports", json={"title": "t"}),
        422,
        lambda r: first_error(r)["loc"] == ["body", "values"] and first_error(r)["msg"] == "Field required",
    ),
    (
        "unknown field",
        lambda http: http.post("/reports", json={"title": "t", "values": [1], "owner": "me"}),
        422,
        lambda r: first_error(r)["loc"] == ["body", "owner"] and first_error(r)["type"] == "extra_forbidden",
    ),
    (
        "empty list",
        lambda http: http.post("/reports", json={"title": "t", "values": []}),
        422,
        lambda r: first_error(r)["loc"] == ["body", "values"] and first_error(r)["type"] == "too_short",
    ),
    (
        "not a number",
        lambda http: http.post("/reports", content=b'{"title": "t", "values": [Infinity]}', headers=_JSON),
        422,
        lambda r: first_error(r)["type"] == "finite_number",
    ),
    (
        "malformed JSON",
        lambda http: http.post("/reports", content=b'{"title": "t", "values": [1,', headers=_JSON),
        422,
        lambda r: first_error(r)["type"] == "json_invalid" and first_error(r)["msg"] == "JSON decode error",
    ),
    (
        "oversized body",
        lambda http: http.post("/reports", json={"title": "t", "values": list(range(2000))}),
        413,
        lambda r: r.json() == {"detail": f"request body larger than {MAX_BODY} bytes"},
    ),
    (
        "oversized streamed body",
        lambda http: http.post("/reports", content=(b"1" * 1024 for _ in range(8)), headers=_JSON),
        413,
        lambda r: r.json() == {"detail": f"request body larger than {MAX_BODY} bytes"},
    ),
    (
        "unknown job id",
        lambda http: http.get(f"/reports/{'a' * 32}"),
        404,
        lambda r: r.json() == {"detail": f"no job with id {'a' * 32!r}"},
    ),
    (
        "malformed job id",
        lambda http: http.get("/reports/not-a-job"),
        404,
        lambda r: r.json() == {"detail": "no job with id 'not-a-job'"},
    ),
    (
        "wrong method",
        lambda http: http.delete("/reports"),
        405,
        lambda r: r.json() == {"detail": "Method Not Allowed"},
    ),
]


def test_bad_inputs_get_the_right_answer_and_the_server_keeps_serving(deployment: LocalReports) -> None:
    deployment.settings = {**deployment.settings, "REPORTS_MAX_BODY_BYTES": str(MAX_BODY)}
    api = deployment.start_api()
    with httpx.Client(base_url=api.url, timeout=10) as http:
        for name, send, status, explains in BAD_REQUESTS:
            response = send(http)
            assert response.status_code == status, f"{name}: {response.status_code} {response.text}"
            assert explains(response), f"{name}: {response.text}"
            assert response.headers["x-request-id"], name
            assert http.get("/health").status_code == 200, f"not serving after {name}"

        # Not even HTTP: uvicorn answers 400 and the server goes on.
        host, port = api.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            raw.sendall(b"\x16\x03\x01 this is not http\r\n\r\n")
            assert raw.recv(64).startswith(b"HTTP/1.1 400")

        assert http.post("/reports", json={"title": "fine", "values": [1]}).status_code == 202
    assert api.process.running()


def test_bounded_load_run_has_no_errors_and_loses_no_job(deployment: LocalReports) -> None:
    api = deployment.start_api()
    deployment.start_worker()
    count, concurrency = 120, 8

    submitted = submit_jobs(api.url, count, concurrency)
    assert submitted.errors == []
    job_ids = [outcome.body["job_id"] for outcome in submitted.outcomes if outcome.body]
    assert len(set(job_ids)) == count

    # Clients retrying with an Idempotency-Key get the job they already have.
    retried = LoadPlan(
        api.url,
        40,
        concurrency,
        lambda http, index: http.post(
            "/reports", json=report_body(index % 20), headers={"Idempotency-Key": f"k{index % 20}"}
        ),
        expected_status=202,
    )
    first_pass = retried.run()
    second_pass = retried.run()
    assert first_pass.errors == second_pass.errors == []
    keyed = {outcome.body["job_id"] for outcome in first_pass.outcomes + second_pass.outcomes if outcome.body}
    assert len(keyed) == 20

    all_ids = job_ids + sorted(keyed)
    final = wait_for_jobs(api.url, all_ids, timeout=90)
    assert sorted(job["state"] for job in final.values()) == ["done"] * len(all_ids)
    for outcome in submitted.outcomes:
        assert outcome.body is not None
        values = report_body(outcome.index)["values"]
        assert final[outcome.body["job_id"]]["result"]["total"] == sum(values)

    reads = read_jobs(api.url, all_ids, concurrency)
    assert reads.errors == []
    assert set(stored_versions(deployment)) == set(all_ids)  # nothing stored that was not asked for
    assert deployment.resources is not None
    assert queue_depth(deployment, deployment.resources.dead_letter_queue_url) == 0
