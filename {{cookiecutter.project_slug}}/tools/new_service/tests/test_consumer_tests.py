import ast
import json
from pathlib import Path

from tools.new_service.consumer_tests import answer_fields, render

OPENAPI = {
    "openapi": "3.1.0",
    "paths": {
        "/health": {
            "get": {
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"status": {"type": "string"}}}
                            }
                        }
                    }
                }
            }
        },
        "/ledger/{entry_id}": {
            "get": {
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Entry"}}}},
                    "404": {"description": "No such entry"},
                }
            }
        },
    },
    "components": {
        "schemas": {
            "Entry": {
                "type": "object",
                "properties": {
                    "entry_id": {"type": "string"},
                    "result": {"anyOf": [{"$ref": "#/components/schemas/Total"}, {"type": "null"}]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
            "Total": {"type": "object", "properties": {"cents": {"type": "integer"}}},
        }
    },
}
MESSAGES = {
    "queue": {
        "$defs": {"EntryRequest": {"examples": [{"text": "an entry", "urgent": True}], "type": "object"}},
        "properties": {"job_id": {"type": "string"}, "request": {"$ref": "#/$defs/EntryRequest"}},
    }
}
PUBLIC_INIT = """from ledger.backend.public.publisher import LedgerPublisher
from ledger.backend.schemas import EntryRequest

__all__ = ["EntryRequest", "LedgerPublisher"]
"""


def provider(tmp_path: Path, openapi: dict | None = OPENAPI, messages: dict = MESSAGES) -> Path:
    public = tmp_path / "modules/ledger/backend/public"
    (public / "contract").mkdir(parents=True)
    (public / "__init__.py").write_text(PUBLIC_INIT)
    (public / "contract/messages.json").write_text(json.dumps(messages))
    if openapi is not None:
        (public / "contract/openapi.json").write_text(json.dumps(openapi))
    return tmp_path


def test_the_fields_are_the_leaves_of_the_answer_through_references_and_optional_objects() -> None:
    schema = {"$ref": "#/components/schemas/Entry"}
    assert answer_fields(OPENAPI, schema) == ["entry_id", "result.cents", "tags"]


def test_the_test_checks_the_example_message_and_every_answer_field_but_the_platform_routes(tmp_path: Path) -> None:
    text, notes = render("gateway", "ledger", provider(tmp_path))
    assert notes == []
    tree = ast.parse(text)  # valid Python
    values = {
        target.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in {"SENDS", "READS"}
    }
    assert values["SENDS"] == [{"text": "an entry", "urgent": True}]
    assert values["READS"] == {("GET", "/ledger/{entry_id}", 200): ["entry_id", "result.cents", "tags"]}
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert functions == ["test_ledger_queue_accepts_what_gateway_sends", "test_ledger_still_answers_what_gateway_reads"]
    assert "ledger.LedgerPublisher(sqs" in text and "ledger.EntryRequest.model_validate_json" in text


def test_a_worker_only_provider_gets_only_the_message_check(tmp_path: Path) -> None:
    text, notes = render("gateway", "ledger", provider(tmp_path, openapi=None))
    assert "READS = " not in text and "def test_ledger_queue_accepts_what_gateway_sends" in text
    assert notes == ["backend/tests/test_uses_ledger.py: modules/ledger answers no HTTP fields, so nothing to read"]


def test_without_an_example_the_message_check_is_left_to_write_and_said(tmp_path: Path) -> None:
    bare = {
        "queue": {
            "$defs": {"EntryRequest": {"type": "object"}},
            "properties": {"request": {"$ref": "#/$defs/EntryRequest"}},
        }
    }
    text, notes = render("gateway", "ledger", provider(tmp_path, messages=bare))
    assert "SENDS = " not in text and "READS = " in text
    assert "no message check" in notes[0] and "check_message" in notes[0]
    # Nothing to check at all: no file, and the person is told why.
    text, notes = render("gateway", "ledger", provider(tmp_path / "bare", openapi=None, messages=bare))
    assert text == "" and len(notes) == 2
