"""What in a new contract breaks a client of the old one (docs/contracts.md lists the rules).

A request (and a queue message) is what a client sends: a change that refuses something
the old contract accepted breaks it (a new required field, a narrowed type, a removed enum
value, a tighter limit, a removed field or operation). A response is what a client reads: a
change that takes away what it read breaks it (a removed operation, status or field, a
field no longer always there, a type that now allows more, a removed enum value).

Written here rather than taken from a diff tool: the maintained OpenAPI differ (oasdiff)
ships only as a Go binary, which neither PyPI nor npm distributes, and CI runs this with
the runner's python3 and the standard library alone.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Bounds that refuse more as they grow (minimum) or as they shrink (maximum).
LOWER_BOUNDS = ("minLength", "minItems", "minimum", "exclusiveMinimum", "minProperties")
UPPER_BOUNDS = ("maxLength", "maxItems", "maximum", "exclusiveMaximum", "maxProperties")


def resolve_ref(root: Schema, schema: Schema) -> Schema:
    """``schema`` with its local ``$ref`` chain followed inside ``root`` (a missing target is {})."""
    seen: set[str] = set()
    while isinstance(schema, dict) and "$ref" in schema and schema["$ref"] not in seen:
        seen.add(schema["$ref"])
        node: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema = node
    return schema if isinstance(schema, dict) else {}


class _Walk:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.roots = (old_root, new_root)
        self.found: list[str] = []

    def resolve(self, schema: Schema, side: int) -> Schema:
        return resolve_ref(self.roots[side], schema)

    def compare(self, old: Schema, new: Schema, where: str, sends: bool, depth: int = 0) -> None:
        """``sends``: the client sends this (request, message); otherwise it reads it."""
        old, new = self.resolve(old, 0), self.resolve(new, 1)
        if depth > 30:  # a recursive schema: what it nests was compared on the way down
            return
        if _is_union(old) or _is_union(new):
            # Optional[X] is anyOf [X, null]: compare what is not null, branch by branch.
            old_values, new_values = self.values(old, 0), self.values(new, 1)
            if len(old_values) == len(new_values):
                for old_value, new_value in zip(old_values, new_values, strict=True):
                    self.compare(old_value, new_value, where, sends, depth + 1)
        old_types, new_types = self.types(old, 0), self.types(new, 1)
        if old_types and new_types:
            lost, gained = _missing(old_types, new_types), _missing(new_types, old_types)
            if sends and lost:
                self.found.append(f"{where}: type narrowed from {_names(old_types)} to {_names(new_types)}")
            if not sends and gained:
                self.found.append(f"{where}: type widened from {_names(old_types)} to {_names(new_types)}")
        if "enum" in old and "enum" in new:
            removed = [value for value in old["enum"] if value not in new["enum"]]
            if removed:
                self.found.append(f"{where}: enum value(s) removed: {', '.join(map(repr, removed))}")
        if sends:
            for bound in LOWER_BOUNDS:
                if bound in new and new[bound] > old.get(bound, float("-inf")):
                    self.found.append(f"{where}: {bound} raised to {new[bound]}")
            for bound in UPPER_BOUNDS:
                if bound in new and new[bound] < old.get(bound, float("inf")):
                    self.found.append(f"{where}: {bound} lowered to {new[bound]}")
        self.compare_properties(old, new, where, sends, depth)
        if "items" in old and "items" in new:
            self.compare(old["items"], new["items"], f"{where}[]", sends, depth + 1)

    def compare_properties(self, old: Schema, new: Schema, where: str, sends: bool, depth: int) -> None:
        old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name in old_fields:
            if name not in new_fields:
                self.found.append(f"{where}.{name}: field removed (or renamed)")
            else:
                self.compare(old_fields[name], new_fields[name], f"{where}.{name}", sends, depth + 1)
        if sends:
            for name in sorted(new_required - old_required):
                self.found.append(f"{where}.{name}: new required field")
        else:
            for name in sorted((old_required - new_required) & set(new_fields)):
                self.found.append(f"{where}.{name}: no longer always in the answer")

    def values(self, schema: Schema, side: int) -> list[Schema]:
        branches = [self.resolve(branch, side) for branch in _branches(schema)]
        return [branch for branch in branches if branch.get("type") != "null"]

    def types(self, schema: Schema, side: int) -> set[str]:
        if _is_union(schema):
            return set().union(*(self.types(self.resolve(b, side), side) for b in _branches(schema)))
        declared = schema.get("type")
        if declared is None:
            return {"object"} if "properties" in schema else set()
        return {declared} if isinstance(declared, str) else set(declared)


def _is_union(schema: Schema) -> bool:
    return bool(schema.get("anyOf") or schema.get("oneOf"))


def _branches(schema: Schema) -> list[Schema]:
    return list(schema.get("anyOf") or schema.get("oneOf") or [schema])


def _missing(wanted: set[str], offered: set[str]) -> set[str]:
    # An integer is a number: a number field that takes integers has lost nothing.
    covered = offered | ({"integer"} if "number" in offered else set())
    return wanted - covered


def _names(types: set[str]) -> str:
    return "|".join(sorted(types))


def openapi_breaks(old: Schema, new: Schema) -> list[str]:
    walk = _Walk(old, new)
    for path, old_item in old.get("paths", {}).items():
        new_item = new.get("paths", {}).get(path, {})
        for method in (m for m in METHODS if m in old_item):
            operation = f"{method.upper()} {path}"
            if method not in new_item:
                walk.found.append(f"{operation}: operation removed")
                continue
            _compare_operation(walk, operation, old_item[method], new_item[method])
    return walk.found


def _compare_operation(walk: _Walk, operation: str, old: Schema, new: Schema) -> None:
    old_parameters = {(p.get("in"), p.get("name")): p for p in old.get("parameters", [])}
    for parameter in new.get("parameters", []):
        key = (parameter.get("in"), parameter.get("name"))
        if parameter.get("required") and not old_parameters.get(key, {}).get("required"):
            walk.found.append(f"{operation}: new required {key[0]} parameter {key[1]}")
        elif key in old_parameters:
            walk.compare(old_parameters[key].get("schema", {}), parameter.get("schema", {}),
                         f"{operation} {key[0]} {key[1]}", sends=True)  # fmt: skip
    old_body, new_body = _json_schema(old.get("requestBody")), _json_schema(new.get("requestBody"))
    if old_body is not None and new_body is not None:
        walk.compare(old_body, new_body, f"{operation} request", sends=True)
    elif new_body is not None and new.get("requestBody", {}).get("required"):
        walk.found.append(f"{operation}: new required request body")
    for status, old_response in old.get("responses", {}).items():
        new_response = new.get("responses", {}).get(status)
        if new_response is None:
            # An error status no longer documented breaks no client; a success one does.
            if not str(status).startswith(("4", "5")):
                walk.found.append(f"{operation}: response {status} removed")
            continue
        old_schema, new_schema = _json_schema(old_response), _json_schema(new_response)
        if old_schema is not None and new_schema is not None:
            walk.compare(old_schema, new_schema, f"{operation} {status} response", sends=False)


def _json_schema(part: Schema | None) -> Schema | None:
    if not part:
        return None
    schema: Schema | None = part.get("content", {}).get("application/json", {}).get("schema")
    return schema


def messages_breaks(old: Schema, new: Schema) -> list[str]:
    """A queue message is sent by other modules: compared as a request."""
    walk = _Walk(old.get("queue", {}), new.get("queue", {}))
    if "queue" in old and "queue" not in new:
        return ["queue message removed"]
    walk.compare(old.get("queue", {}), new.get("queue", {}), "queue message", sends=True)
    return walk.found
