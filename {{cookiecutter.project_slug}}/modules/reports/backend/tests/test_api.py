from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from reports.backend.api.app import create_app
from reports.backend.api.dependencies import get_jobs
from reports.backend.settings import ReportsSettings


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_submit_then_read(client: TestClient, jobs, queue) -> None:
    response = client.post("/reports", json={"title": "sales", "values": [1, 2, 3]})
    assert response.status_code == 202
    job = response.json()
    assert job["state"] == "queued"

    jobs.process(queue.messages[0])
    read = client.get(f"/reports/{job['job_id']}")
    assert read.status_code == 200
    assert read.json()["state"] == "done"
    assert read.json()["result"]["total"] == 6


def test_idempotency_key_header(client: TestClient, queue) -> None:
    body = {"title": "sales", "values": [1]}
    first = client.post("/reports", json=body, headers={"Idempotency-Key": "k-1"}).json()
    second = client.post("/reports", json=body, headers={"Idempotency-Key": "k-1"}).json()
    assert first["job_id"] == second["job_id"]
    assert len(queue.messages) == 1


def test_validation_errors_name_the_field(client: TestClient) -> None:
    response = client.post("/reports", json={"title": "sales", "values": ["x"]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "values", 0]

    missing = client.post("/reports", json={"values": [1]})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "title"]


def test_unknown_and_malformed_job_ids_are_404(client: TestClient) -> None:
    assert client.get(f"/reports/{'a' * 32}").status_code == 404
    assert client.get("/reports/..%2Fsecret").status_code == 404


def test_request_id_is_echoed_or_created(client: TestClient) -> None:
    assert client.get("/health", headers={"X-Request-ID": "abc-1"}).headers["x-request-id"] == "abc-1"
    assert len(client.get("/health").headers["x-request-id"]) == 32


def test_oversized_body_is_refused_and_server_keeps_serving(jobs) -> None:
    app = create_app(ReportsSettings(max_body_bytes=100))
    app.dependency_overrides[get_jobs] = lambda: jobs
    big = {"title": "sales", "values": list(range(100))}
    with TestClient(app) as small:
        declared = small.post("/reports", json=big)
        assert declared.status_code == 413
        assert declared.json() == {"detail": "request body larger than 100 bytes"}

        # Without Content-Length the limit is enforced while the body streams in.
        chunks = (b'{"title": "sales", "values": [' + b"1," * 20 + b"1]}" for _ in range(3))
        streamed = small.post("/reports", content=chunks, headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        assert "x-request-id" in streamed.headers

        assert small.post("/reports", json={"title": "ok", "values": [1]}).status_code == 202


def test_readiness_follows_the_queue(client: TestClient, queue) -> None:
    assert client.get("/ready").status_code == 200
    queue.reachable = False
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {"detail": "queue unreachable"}


def test_non_finite_numbers_are_refused(client: TestClient) -> None:
    response = client.post(
        "/reports", content=b'{"title": "t", "values": [1, NaN]}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "values", 1]


def test_requests_become_spans_when_tracing_is_on(jobs) -> None:
    exporter = InMemorySpanExporter()
    app = create_app(span_exporter=exporter)
    app.dependency_overrides[get_jobs] = lambda: jobs
    with TestClient(app) as client:
        job_id = client.post("/reports", json={"title": "traced", "values": [1, 2]}).json()["job_id"]
        client.get(f"/reports/{job_id}")
    app.state.tracer_provider.force_flush()
    routes = {span.attributes.get("http.route") for span in exporter.get_finished_spans() if span.attributes}
    assert {"/reports", "/reports/{job_id}"} <= routes


def test_openapi_still_describes_the_job_answers() -> None:
    paths = create_app().openapi()["paths"]
    read = paths["/reports/{job_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    submit = paths["/reports"]["post"]["responses"]["202"]["content"]["application/json"]["schema"]
    assert read == submit == {"$ref": "#/components/schemas/Job"}
