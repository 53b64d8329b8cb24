"""The contract test a new module gets for each module it uses (``--uses``, docs/contracts.md).

Written from the provider's committed contract as it is when the module is made: the
requests the new module sends (the provider's documented example, through its public
publisher) and every answer field the provider promises today. The team trims both lists
to what its code really sends and reads; from then on a provider change that breaks one
of them fails this test, in the provider's pull request too (CI tests the dependents of
what changed, and this test depends on the provider's contract files).
"""

import ast
import json
from pathlib import Path
from typing import Any

from tools.contracts.breaking import resolve_ref

# The platform's own routes (stack/libs/http): every module answers them, none consumes them.
PLATFORM_PATHS = {"/health", "/ready"}
# How deep the field list goes: deeper fields are rarely read one by one.
FIELD_DEPTH = 3


def test_path(provider: str) -> str:
    return f"backend/tests/test_uses_{provider}.py"


def exported_names(public_init: Path) -> set[str]:
    """The names a public package offers: its ``__all__``, else what it imports."""
    tree = ast.parse(public_init.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            return {element.value for element in getattr(node.value, "elts", []) if isinstance(element, ast.Constant)}
    return {
        alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }


def answer_fields(document: dict[str, Any], schema: dict[str, Any], prefix: str = "", depth: int = 1) -> list[str]:
    """Dotted names of an answer's fields (``result.total``), leaves only, in schema order.
    An optional object (anyOf [object, null]) counts as that object."""
    schema = resolve_ref(document, schema)
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        resolved = resolve_ref(document, branch)
        if resolved.get("properties"):
            schema = resolved
            break
    properties = schema.get("properties", {})
    if not properties or depth > FIELD_DEPTH:
        return [prefix] if prefix else []
    fields: list[str] = []
    for name, child in properties.items():
        fields += answer_fields(document, child, f"{prefix}{name}" if not prefix else f"{prefix}.{name}", depth + 1)
    return fields


def reads(openapi: dict[str, Any] | None) -> dict[tuple[str, str, int], list[str]]:
    """Every success answer of the provider's own operations, with its fields."""
    document = openapi or {}
    found: dict[tuple[str, str, int], list[str]] = {}
    for path, operations in sorted(document.get("paths", {}).items()):
        if path in PLATFORM_PATHS:
            continue
        for method, operation in sorted(operations.items()):
            for status, response in sorted(operation.get("responses", {}).items()):
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if status.isdigit() and 200 <= int(status) < 300 and schema:
                    fields = answer_fields(document, schema)
                    if fields:
                        found[(method.upper(), path, int(status))] = fields
    return found


def sends(messages: dict[str, Any], exported: set[str]) -> tuple[str, dict[str, Any]] | None:
    """(request model, its documented example) of the provider's queue, when its public
    package offers the model and the contract documents an example."""
    queue = messages.get("queue", {})
    reference = queue.get("properties", {}).get("request", {}).get("$ref", "")
    model = reference.rsplit("/", 1)[-1]
    examples = queue.get("$defs", {}).get(model, {}).get("examples", [])
    if not model or model not in exported or not examples:
        return None
    return model, examples[0]


def render(consumer: str, provider: str, repo: Path) -> tuple[str, list[str]]:
    """(the test file's text, notes for the person who ran the command)."""
    contract = repo / "modules" / provider / "backend/public/contract"
    openapi_file, messages_file = contract / "openapi.json", contract / "messages.json"
    openapi = json.loads(openapi_file.read_text()) if openapi_file.is_file() else None
    messages = json.loads(messages_file.read_text()) if messages_file.is_file() else {}
    exported = exported_names(repo / "modules" / provider / "backend/public/__init__.py")
    publishers = sorted(name for name in exported if name.endswith("Publisher"))
    message = sends(messages, exported) if len(publishers) == 1 else None
    answers = reads(openapi)
    notes = []
    if message is None:
        notes.append(
            f"{test_path(provider)}: no message check (modules/{provider} offers no single publisher with a "
            "documented request example); add one with check_message (docs/contracts.md)"
        )
    if not answers:
        notes.append(f"{test_path(provider)}: modules/{provider} answers no HTTP fields, so nothing to read")
    if message is None and not answers:
        return "", notes

    constant = provider.upper()
    lines = [
        f'"""What {consumer} relies on in the contract of {provider} (docs/contracts.md).',
        "",
        f"Written by `new-service --uses {provider}` from that contract as it was then.",
        f"Keep SENDS to the requests {consumer} queues",
        "and READS to the answer fields its code reads: a provider change that breaks",
        "either fails here, in the provider's pull requests too (CI tests what depends on a change).",
        '"""',
        "",
    ]
    if message is not None:
        lines += ["import json", ""]
    imports = ["provider_contract"] if message is None else ["RecordingSqs", "provider_contract"]
    lines += [
        f"from {provider}.backend import public as {provider}",
        f"from stack.contracts.consumer import {', '.join(imports)}",
        "",
        f"{constant} = provider_contract({provider})",
    ]
    # One item a line, each with a trailing comma: the formatters keep lists that way.
    if message is not None:
        model, example = message
        lines += [f"# Requests {consumer} queues for the {provider} worker.", "SENDS = [", f"    {example!r},", "]"]
    if answers:
        lines += [f"# The fields {consumer} reads from the answers of {provider}, per operation.", "READS = {"]
        for (method, path, status), fields in answers.items():
            lines += [f"    ({method!r}, {path!r}, {status}): [", *(f"        {name!r}," for name in fields), "    ],"]
        lines.append("}")
    if message is not None:
        lines += [
            "",
            "",
            f"def test_{provider}_queue_accepts_what_{consumer}_sends() -> None:",
            "    for request in SENDS:",
            "        sqs = RecordingSqs()",
            f'        publisher = {provider}.{publishers[0]}(sqs, "queue-url")',
            f"        publisher.publish({provider}.{model}.model_validate_json(json.dumps(request)))",
            f"        {constant}.check_message(sqs.bodies[0])",
        ]
    if answers:
        lines += [
            "",
            "",
            f"def test_{provider}_still_answers_what_{consumer}_reads() -> None:",
            "    for (method, path, status), fields in READS.items():",
            f"        {constant}.check_reads(method, path, status, fields)",
        ]
    return "\n".join(lines) + "\n", notes
