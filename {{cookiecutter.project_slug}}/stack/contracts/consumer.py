"""A consumer's checks against a provider's committed contract (docs/contracts.md).

A module that uses another checks, in its own tests, that what it sends the provider's
queue validates against the provider's ``messages.json`` and that the response fields it
reads are in the provider's ``openapi.json``. Pass the provider's public package, so Pants
sees the dependency: a change to the provider's contract then runs these tests too::

    from reports.backend import public as reports
    REPORTS = provider_contract(reports)
    REPORTS.check_message(body)
    REPORTS.check_reads("GET", "/reports/{job_id}", 200, ["state", "result.total"])
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from types import ModuleType
from typing import Any

from jsonschema import Draft202012Validator

from stack.contracts.contract import MESSAGES_FILE, OPENAPI_FILE


class ContractViolation(AssertionError):
    """What a consumer sends or reads is not in the provider's contract."""


@dataclass(frozen=True)
class ProviderContract:
    provider: str
    messages: dict[str, Any]
    openapi: dict[str, Any] | None

    def check_message(self, body: str | dict[str, Any]) -> None:
        """Raise unless ``body`` (a queue message, as JSON text or parsed) is one the
        provider's queue accepts."""
        message = json.loads(body) if isinstance(body, str) else body
        errors = sorted(Draft202012Validator(self.messages["queue"]).iter_errors(message), key=str)
        if errors:
            where = "/".join(map(str, errors[0].absolute_path)) or "(the message)"
            problem = f"{where}: {errors[0].message}"
            raise ContractViolation(f"{self.provider}'s queue does not accept this message: {problem}")

    def response_schema(self, method: str, path: str, status: int) -> dict[str, Any]:
        if self.openapi is None:
            raise ContractViolation(f"{self.provider} has no HTTP API in its contract")
        operation = self.openapi.get("paths", {}).get(path, {}).get(method.lower())
        if operation is None:
            raise ContractViolation(f"{self.provider}'s contract has no operation {method.upper()} {path}")
        response = operation.get("responses", {}).get(str(status))
        if response is None:
            raise ContractViolation(f"{self.provider}'s {method.upper()} {path} does not answer {status}")
        schema: dict[str, Any] = response.get("content", {}).get("application/json", {}).get("schema", {})
        return schema

    def check_response(self, method: str, path: str, status: int, body: Any) -> None:
        """Raise unless ``body`` is an answer the provider's contract allows."""
        schema = self.response_schema(method, path, status)
        # Refs point into the OpenAPI document's components: validate with them at the root.
        components = (self.openapi or {}).get("components", {})
        errors = sorted(Draft202012Validator({**schema, "components": components}).iter_errors(body), key=str)
        if errors:
            operation = f"{method.upper()} {path} {status}"
            raise ContractViolation(f"{self.provider}'s {operation} does not allow: {errors[0].message}")

    def check_reads(self, method: str, path: str, status: int, fields: Iterable[str]) -> None:
        """Raise unless every dotted field (``result.total``) is in the provider's answer."""
        root = self.response_schema(method, path, status)
        missing = [name for name in fields if not self._has_field(root, name.split("."))]
        if missing:
            raise ContractViolation(
                f"{self.provider}'s {method.upper()} {path} {status} no longer answers {', '.join(missing)}"
            )

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = set()
        while "$ref" in schema and schema["$ref"] not in seen:
            seen.add(schema["$ref"])
            node: Any = self.openapi
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def _has_field(self, schema: dict[str, Any], names: list[str]) -> bool:
        schema = self._resolve(schema)
        if not names:
            return True
        # An optional field is anyOf [its schema, null]: the field is there in any branch.
        for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
            if self._has_field(branch, names):
                return True
        properties = schema.get("properties", {})
        return names[0] in properties and self._has_field(properties[names[0]], names[1:])


def provider_contract(public_package: ModuleType) -> ProviderContract:
    """The committed contract of the module whose public package this is."""
    provider = public_package.__name__.split(".")[0]
    directory = resources.files(public_package) / "contract"
    openapi = directory / OPENAPI_FILE
    return ProviderContract(
        provider=provider,
        messages=json.loads((directory / MESSAGES_FILE).read_text()),
        openapi=json.loads(openapi.read_text()) if openapi.is_file() else None,
    )


@dataclass
class RecordingSqs:
    """Stands in for a boto3 SQS client: keeps the message bodies a publisher sends."""

    bodies: list[str] = field(default_factory=list)

    def send_message(self, **call: Any) -> dict[str, str]:
        self.bodies.append(call["MessageBody"])
        return {"MessageId": str(len(self.bodies))}
