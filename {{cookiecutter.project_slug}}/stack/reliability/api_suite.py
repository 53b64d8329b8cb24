"""In-process proofs of a module's API: the module's app, its job service on in-memory
ports. A module's test file runs them with ``from stack.reliability.api_suite import *``
beside a ``reliability_target`` fixture (see stack.reliability.target)."""

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from stack.libs.contract_models import PENDING_TAG
from stack.libs.jobs import JobService
from stack.libs.jobs.memory import InMemoryJobQueue, InMemoryJobStore
from stack.reliability.target import ReliabilityTarget, module_settings

__all__ = [
    "api",
    "test_a_failed_send_with_a_key_is_queued_by_the_retry",
    "test_a_failed_send_without_a_key_leaves_a_failed_job",
    "test_bad_requests_get_answers_that_name_the_field",
    "test_docs_and_schema_are_off_where_the_platform_turns_them_off",
    "test_health_ready_and_request_ids",
    "test_job_ids_from_keys_depend_on_the_deployment_secret",
    "test_same_key_same_job_other_request_422",
    "test_submit_process_read",
    "test_the_api_keeps_its_own_openapi_contract",
    "openapi_api",
    "openapi_schema",
    "test_wrong_json_types_are_refused",
]


class InProcessApi:
    def __init__(
        self,
        target: ReliabilityTarget,
        max_body_bytes: int = 4096,
        hmac_key: str = "test-key",
        environment: Mapping[str, str] | None = None,
    ) -> None:
        """``environment``: more of the module's settings, by variable name (its database)."""
        self.target = target
        self.queue = InMemoryJobQueue()
        self.store = InMemoryJobStore()
        self.jobs = JobService(target.jobs_kind, self.queue, self.store, hmac_key=hmac_key)
        settings_class = target.settings_class
        prefix = f"{target.module.upper()}_"
        fields = {name.removeprefix(prefix).lower(): value for name, value in (environment or {}).items()}
        self.app: FastAPI = target.app_module.create_app(settings_class(max_body_bytes=max_body_bytes, **fields))
        self.app.dependency_overrides[target.dependencies.get_jobs] = lambda: self.jobs
        self.client = TestClient(self.app)

    def submit(self, body: dict[str, Any], key: str | None = None) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(self.target.jobs_path, json=body, headers=headers)

    def process_all(self) -> None:
        while self.queue.messages:
            self.jobs.process(self.queue.messages.pop(0))


@pytest.fixture
def api(reliability_target: ReliabilityTarget, request: pytest.FixtureRequest) -> Iterator[InProcessApi]:
    in_process = InProcessApi(reliability_target, environment=module_settings(request))
    with in_process.client:
        yield in_process


def test_health_ready_and_request_ids(api: InProcessApi) -> None:
    assert api.client.get("/health").json() == {"status": "ok"}
    assert api.client.get("/ready").status_code == 200
    assert api.client.get("/health", headers={"X-Request-ID": "abc-1"}).headers["x-request-id"] == "abc-1"
    api.queue.reachable = False
    not_ready = api.client.get("/ready")
    assert not_ready.status_code == 503 and not_ready.json() == {"detail": "queue unreachable"}


def test_docs_and_schema_are_off_where_the_platform_turns_them_off(reliability_target: ReliabilityTarget) -> None:
    """The prod stack sets DOCS_ENABLED=false: /docs and /openapi.json answer 404 there."""
    # Read under its environment name (validation_alias), as the stack sets it.
    settings = reliability_target.settings_class(DOCS_ENABLED=False)
    app = reliability_target.app_module.create_app(settings)
    with TestClient(app) as client:
        assert client.get("/openapi.json").status_code == 404
        assert client.get("/docs").status_code == 404
        assert client.get("/health").status_code == 200


def test_submit_process_read(api: InProcessApi, reliability_target: ReliabilityTarget) -> None:
    body = reliability_target.request(3)
    queued = api.submit(body)
    assert queued.status_code == 202, queued.text
    assert queued.json()["state"] == "queued" and queued.json()["request"] == body
    api.process_all()
    done = api.client.get(f"{reliability_target.jobs_path}/{queued.json()['job_id']}").json()
    assert done["state"] == "done"
    assert reliability_target.check_result(body, done)


def wrong_type(value: Any) -> Any:
    """A JSON value of another type than ``value``, the same shape where it is a list."""
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        return 123
    if isinstance(value, list):
        return [wrong_type(value[0])] if value else [{}]
    return "not an object"


def test_wrong_json_types_are_refused(api: InProcessApi, reliability_target: ReliabilityTarget) -> None:
    body = reliability_target.request(1)
    for field, value in body.items():
        answer = api.submit({**body, field: wrong_type(value)})
        assert answer.status_code == 422, f"{field}={wrong_type(value)!r} was accepted: {answer.text}"
        assert answer.json()["detail"][0]["loc"][:2] == ["body", field]
    assert api.queue.messages == []


def test_bad_requests_get_answers_that_name_the_field(api: InProcessApi, reliability_target: ReliabilityTarget) -> None:
    body = reliability_target.request(1)
    path = reliability_target.jobs_path
    first = next(iter(body))
    missing = api.submit({k: v for k, v in body.items() if k != first})
    assert (missing.status_code, missing.json()["detail"][0]["loc"]) == (422, ["body", first])
    unknown = api.submit({**body, "unexpected_field": 1})
    assert (unknown.status_code, unknown.json()["detail"][0]["type"]) == (422, "extra_forbidden")
    malformed = api.client.post(path, content=b'{"oops": [1,', headers={"content-type": "application/json"})
    assert (malformed.status_code, malformed.json()["detail"][0]["type"]) == (422, "json_invalid")
    nan = api.client.post(path, content=b'{"x": NaN}', headers={"content-type": "application/json"})
    assert nan.status_code == 422 and json.loads(nan.text)  # an answer that is valid JSON
    big = api.client.post(path, content=b" " * 5000, headers={"content-type": "application/json"})
    assert big.status_code == 413 and big.json() == {"detail": "request body larger than 4096 bytes"}
    assert api.client.get(f"{path}/{'a' * 32}").status_code == 404
    assert api.client.get(f"{path}/..%2Fsecret").status_code == 404
    assert api.client.delete(path).status_code == 405
    assert api.queue.messages == [] and api.store.writes == 0


def test_same_key_same_job_other_request_422(api: InProcessApi, reliability_target: ReliabilityTarget) -> None:
    first = api.submit(reliability_target.request(1), key="k-1")
    again = api.submit(reliability_target.request(1), key="k-1")
    assert first.status_code == again.status_code == 202
    assert first.json()["job_id"] == again.json()["job_id"]
    other = api.submit(reliability_target.request(2), key="k-1")
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "idempotency-key"]


def test_a_failed_send_with_a_key_is_queued_by_the_retry(
    api: InProcessApi, reliability_target: ReliabilityTarget
) -> None:
    api.queue.reachable = False
    failed = api.submit(reliability_target.request(1), key="k-retry")
    assert failed.status_code == 503 and failed.headers["retry-after"]
    api.queue.reachable = True
    retried = api.submit(reliability_target.request(1), key="k-retry")
    assert retried.status_code == 202 and retried.json()["state"] == "queued"
    assert [m.job_id for m in api.queue.messages] == [retried.json()["job_id"]]
    api.process_all()
    done = api.client.get(f"{reliability_target.jobs_path}/{retried.json()['job_id']}").json()
    assert done["state"] == "done"
    # Done now: a further retry answers the job and queues nothing.
    assert api.submit(reliability_target.request(1), key="k-retry").json()["state"] == "done"
    assert api.queue.messages == []


def test_a_failed_send_without_a_key_leaves_a_failed_job(
    api: InProcessApi, reliability_target: ReliabilityTarget
) -> None:
    api.queue.reachable = False
    assert api.submit(reliability_target.request(1)).status_code == 503
    (stored,) = api.store.jobs.values()
    assert stored.job.state.value == "failed" and stored.job.error == "the job could not be queued"


def test_job_ids_from_keys_depend_on_the_deployment_secret(reliability_target: ReliabilityTarget) -> None:
    ids = set()
    for key in ("deployment-a", "deployment-b"):
        in_process = InProcessApi(reliability_target, hmac_key=key)
        with in_process.client:
            ids.add(in_process.submit(reliability_target.request(1), key="same-key").json()["job_id"])
    assert len(ids) == 2


@pytest.fixture
def openapi_api(reliability_target: ReliabilityTarget, request: pytest.FixtureRequest) -> InProcessApi:
    return InProcessApi(reliability_target, environment=module_settings(request))


@pytest.fixture
def openapi_schema(openapi_api: InProcessApi) -> Any:
    # Random generation only: the coverage phase walks every boundary (e.g. a list of the
    # largest allowed length, 10 000 items), which takes minutes per operation.
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
    return schemathesis.openapi.from_asgi("/openapi.json", openapi_api.app, config=config)


# Operations whose handler is not written yet (new-service --from-contract) answer 501 on
# purpose; they join the run once their pending tag is removed.
@schemathesis.pytest.from_fixture("openapi_schema").exclude(tag=PENDING_TAG).parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_own_openapi_contract(case: Any, openapi_api: InProcessApi) -> None:
    """Property-based: schemathesis sends what the schema allows and what it does not, and
    checks every answer against the schema (status documented, body valid, no 5xx)."""
    # Each case on an empty store: a generated Idempotency-Key reused with another body
    # is rightly refused (422), which the tool would count as refusing valid data.
    openapi_api.store.jobs.clear()
    case.call_and_validate()
