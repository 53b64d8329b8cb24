"""The breaking-change check on real git history: a commit that extends a contract, one that
breaks it, and the ways a pull request announces a break."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tools.contracts.__main__ import main
from tools.contracts.breaking import messages_breaks, openapi_breaks
from tools.contracts.check import check

OPENAPI = "modules/reports/backend/public/contract/openapi.json"
MESSAGES = "modules/reports/backend/public/contract/messages.json"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Contract Tests",
    "GIT_AUTHOR_EMAIL": "contracts@example.com",
    "GIT_COMMITTER_NAME": "Contract Tests",
    "GIT_COMMITTER_EMAIL": "contracts@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def summary_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"total": {"type": "number"}, "state": {"enum": ["queued", "done"]}},
        "required": ["total", "state"],
    }


def request_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"values": {"type": "array", "items": {"type": "number"}, "maxItems": 100}},
        "required": ["values"],
    }


def openapi() -> dict[str, Any]:
    json_body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Request"}}}}
    answer = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Summary"}}}}
    return {
        "openapi": "3.1.0",
        "paths": {
            "/reports": {"post": {"requestBody": json_body, "responses": {"202": answer, "422": {}}}},
            "/reports/{job_id}": {"get": {"responses": {"200": answer, "404": {}}}},
        },
        "components": {"schemas": {"Request": request_schema(), "Summary": summary_schema()}},
    }


def messages() -> dict[str, Any]:
    job = {"type": "object", "properties": {"job_id": {"type": "string"}, "request": {"$ref": "#/$defs/R"}}}
    return {"queue": {**job, "required": ["job_id", "request"], "$defs": {"R": request_schema()}}}


def git(repo: Path, *args: str) -> str:
    # git from PATH, arguments from this test.
    command, environment = ["git", *args], {**os.environ, **GIT_ENV}
    result = subprocess.run(command, cwd=repo, env=environment, capture_output=True, text=True)  # noqa: S603
    assert result.returncode == 0, result.stderr
    return result.stdout


def commit(repo: Path, message: str, documents: dict[str, Any]) -> None:
    for path, document in documents.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, "feat: reports", {OPENAPI: openapi(), MESSAGES: messages()})
    git(tmp_path, "checkout", "-q", "-b", "change")
    return tmp_path


def renamed_total() -> dict[str, Any]:
    changed = openapi()
    summary = changed["components"]["schemas"]["Summary"]
    summary["properties"]["sum"] = summary["properties"].pop("total")
    summary["required"] = ["sum", "state"]
    return changed


def test_extending_a_contract_passes(repo: Path) -> None:
    extended = openapi()
    extended["paths"]["/reports/{job_id}/csv"] = {"get": {"responses": {"200": {}}}}
    extended["components"]["schemas"]["Summary"]["properties"]["mean"] = {"type": "number"}
    extended["components"]["schemas"]["Request"]["properties"]["title"] = {"type": "string"}
    extended["components"]["schemas"]["Request"]["properties"]["values"]["maxItems"] = 1000
    commit(repo, "feat: CSV answers, a title", {OPENAPI: extended})
    ok, message = check(repo, "main")
    assert ok, message


def test_renaming_a_response_field_fails_unless_the_pull_request_says_breaking(repo: Path) -> None:
    commit(repo, "feat: call it sum", {OPENAPI: renamed_total()})
    ok, message = check(repo, "main", title="feat(reports): call it sum")
    assert not ok
    assert "reports: openapi: GET /reports/{job_id} 200 response.total: field removed (or renamed)" in message
    assert "feat!:" in message and "docs/contracts.md" in message
    assert check(repo, "main", title="feat(reports)!: call it sum")[0]


def test_a_breaking_change_footer_in_a_commit_announces_it(repo: Path) -> None:
    commit(repo, "feat: call it sum\n\nBREAKING CHANGE: total is now sum", {OPENAPI: renamed_total()})
    assert check(repo, "main", title="feat: call it sum")[0]


def test_the_command_reads_base_and_title_from_the_event(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit(repo, "feat: call it sum", {OPENAPI: renamed_total()})
    event = repo.parent / "event.json"
    base = git(repo, "rev-parse", "main").strip()
    event.write_text(json.dumps({"pull_request": {"title": "feat: call it sum", "base": {"sha": base}}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    assert main(["check-breaking", "--repo", str(repo)]) == 1
    event.write_text(json.dumps({"pull_request": {"title": "feat!: call it sum", "base": {"sha": base}}}))
    assert main(["check-breaking", "--repo", str(repo)]) == 0


def test_what_breaks_a_request_or_a_response() -> None:
    changed = openapi()
    schemas = changed["components"]["schemas"]
    schemas["Request"]["properties"]["values"]["items"]["type"] = "integer"
    schemas["Request"]["properties"]["values"]["maxItems"] = 10
    schemas["Request"]["properties"]["owner"] = {"type": "string"}
    schemas["Request"]["required"].append("owner")
    schemas["Summary"]["properties"]["state"]["enum"] = ["done"]
    schemas["Summary"]["required"] = ["state"]
    del changed["paths"]["/reports/{job_id}"]
    assert sorted(openapi_breaks(openapi(), changed)) == [
        "GET /reports/{job_id}: operation removed",
        "POST /reports 202 response.state: enum value(s) removed: 'queued'",
        "POST /reports 202 response.total: no longer always in the answer",
        "POST /reports request.owner: new required field",
        "POST /reports request.values: maxItems lowered to 10",
        "POST /reports request.values[]: type narrowed from number to integer",
    ]
    # Undocumenting an error status breaks no client.
    fewer = openapi()
    del fewer["paths"]["/reports/{job_id}"]["get"]["responses"]["404"]
    assert openapi_breaks(openapi(), fewer) == []


def test_a_message_that_needs_more_breaks_its_senders() -> None:
    more = messages()
    more["queue"]["$defs"]["R"]["properties"]["owner"] = {"type": "string"}
    more["queue"]["$defs"]["R"]["required"].append("owner")
    assert messages_breaks(messages(), more) == ["queue message.request.owner: new required field"]
    optional = copy.deepcopy(messages())
    optional["queue"]["required"] = ["job_id"]
    assert messages_breaks(messages(), optional) == []
