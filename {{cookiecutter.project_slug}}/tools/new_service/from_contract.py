"""`new-service NAME --from-contract FILE`: a module whose API starts from an OpenAPI document.

The document's schemas become pydantic models (datamodel-code-generator) in
``backend/schemas/api_models.py``; each operation becomes a route in
``backend/api/contract_routes.py`` with the contract's path, parameters, body, answer and
error statuses, whose handler is left to write: it answers 501 and carries the pending tag.
Everything is checked and generated before the command changes a file.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # no stubs locked; only safe_load and safe_dump are used
from datamodel_code_generator import DataModelType, Formatter, InputFileType, PythonVersion, generate

METHODS = ("get", "put", "post", "delete", "patch")
# What every module's API already answers (stack/libs/http) and the module's own job routes.
TAKEN_PATHS = ("/health", "/ready", "/docs", "/redoc", "/openapi.json", "/tasks", "/tasks/{job_id}")
PARAMETER_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
PARAMETER_KINDS = {"path": "Path", "query": "Query", "header": "Header"}
SCHEMA_REF = re.compile(r"#/components/schemas/([A-Za-z_][A-Za-z0-9_]*)")
MODELS_HEADER = '''"""Models generated from {source} by `new-service --from-contract`: edit them freely.

The module's contract test keeps them and public/contract/openapi.json together.
"""'''


class ContractError(ValueError):
    """The document cannot be made into a module; the message names the part and the fix."""


@dataclass
class Parameter:
    name: str  # as in the contract
    kind: str  # path, query, header
    type: str
    required: bool

    @property
    def python_name(self) -> str:
        return _snake(self.name)


@dataclass
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    parameters: list[Parameter] = field(default_factory=list)
    body: str | None = None
    body_required: bool = True
    status: int = 200
    answer: str | None = None
    errors: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)

    @property
    def function(self) -> str:
        return _snake(self.operation_id)


@dataclass
class FromContract:
    source: Path
    spec: dict[str, Any]
    operations: list[Operation]

    def models(self) -> str:
        return models_source(self.spec, self.source.name)

    def routes(self, module: str) -> str:
        return routes_source(module, self.operations)


def load(path: Path) -> FromContract:
    """Read and check an OpenAPI 3 document (YAML or JSON)."""
    if not path.is_file():
        raise ContractError(f"--from-contract {path}: no such file")
    try:
        spec = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ContractError(f"--from-contract {path}: not YAML or JSON ({error})") from error
    if not isinstance(spec, dict) or not str(spec.get("openapi", "")).startswith("3."):
        raise ContractError(f"--from-contract {path}: not an OpenAPI 3 document (it needs an `openapi: 3.x` key)")
    paths = spec.get("paths") or {}
    if not isinstance(paths, dict) or not paths:
        raise ContractError(f"--from-contract {path}: the document has no paths, so no operations to make")
    operations = [
        _operation(spec, route, method, item[method])
        for route, item in paths.items()
        for method in METHODS
        if isinstance(item, dict) and method in item
    ]
    if not operations:
        raise ContractError(f"--from-contract {path}: no operation uses one of {', '.join(METHODS)}")
    functions = [operation.function for operation in operations]
    twice = sorted({name for name in functions if functions.count(name) > 1})
    if twice:
        raise ContractError(f"--from-contract {path}: operationIds {twice} name more than one operation")
    return FromContract(path, spec, operations)


def _operation(spec: dict[str, Any], route: str, method: str, raw: dict[str, Any]) -> Operation:
    where = f"{method.upper()} {route}"
    if route in TAKEN_PATHS:
        raise ContractError(f"{where}: the module already answers {route}; give the operation another path")
    operation_id = raw.get("operationId") or f"{method}_{re.sub(r'[^A-Za-z0-9]+', '_', route).strip('_')}"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", operation_id) or keyword.iskeyword(_snake(operation_id)):
        raise ContractError(
            f"{where}: operationId {operation_id!r} cannot name a Python function; use letters, digits, '_'"
        )
    operation = Operation(
        method=method,
        path=route,
        operation_id=operation_id,
        summary=str(raw.get("summary") or raw.get("description") or where),
        tags=[str(tag) for tag in raw.get("tags", [])],
    )
    for parameter in raw.get("parameters", []):
        operation.parameters.append(_parameter(spec, where, parameter))
    declared = {p.name for p in operation.parameters if p.kind == "path"}
    missing = sorted(set(re.findall(r"{([^}]+)}", route)) - declared)
    if missing:
        raise ContractError(f"{where}: path parameter(s) {missing} are not declared under `parameters`")
    body = raw.get("requestBody")
    if body:
        operation.body = _model(spec, f"{where} request body", _json_schema(body, f"{where} request body"))
        operation.body_required = bool(body.get("required", False))
    answered = False
    for status, response in sorted((raw.get("responses") or {}).items(), key=lambda item: str(item[0])):
        code = _status(where, status)
        schema = (response or {}).get("content", {}).get("application/json", {}).get("schema")
        if 200 <= code < 300 and not answered:
            operation.status, answered = code, True
            operation.answer = _model(spec, f"{where} {code} answer", schema) if schema else None
        else:
            model = _model(spec, f"{where} {code} answer", schema) if schema else None
            operation.errors[code] = (str((response or {}).get("description", "")), model)
    if not answered:
        raise ContractError(f"{where}: no 2xx response; say what the operation answers when it succeeds")
    return operation


def _parameter(spec: dict[str, Any], where: str, parameter: dict[str, Any]) -> Parameter:
    if "$ref" in parameter:
        parameter = _resolve(spec, parameter["$ref"], where)
    name, kind = str(parameter.get("name", "")), str(parameter.get("in", ""))
    if kind not in PARAMETER_KINDS:
        raise ContractError(
            f"{where}: parameter {name!r} is in {kind!r}; only path, query and header parameters are made"
        )
    schema = parameter.get("schema") or {}
    if "$ref" in schema:
        schema = _resolve(spec, schema["$ref"], where)
    python_type = PARAMETER_TYPES.get(str(schema.get("type")))
    if python_type is None or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
        raise ContractError(
            f"{where}: parameter {name!r} needs a name of letters, digits, '_' or '-' and a schema of type "
            f"{', '.join(PARAMETER_TYPES)} (it has {schema.get('type')!r}); pass richer input in a request body"
        )
    return Parameter(name, kind, python_type, kind == "path" or bool(parameter.get("required", False)))


def _json_schema(part: dict[str, Any], what: str) -> dict[str, Any]:
    schema = part.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        raise ContractError(f"{what}: only application/json bodies are made")
    return dict(schema)


def _model(spec: dict[str, Any], what: str, schema: dict[str, Any]) -> str:
    """The Python type of a named schema, or a list of one."""
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return f"list[{_model(spec, what, schema['items'])}]"
    match = SCHEMA_REF.fullmatch(str(schema.get("$ref", "")))
    if match is None:
        raise ContractError(f"{what}: an inline schema; name it under components/schemas and refer to it with $ref")
    _resolve(spec, schema["$ref"], what)
    return f"api_models.{match.group(1)}"


def _resolve(spec: dict[str, Any], ref: str, where: str) -> dict[str, Any]:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        raise ContractError(f"{where}: {ref} is not in the document")
    return node


def _status(where: str, status: Any) -> int:
    if not re.fullmatch(r"[1-5][0-9][0-9]", str(status)):
        raise ContractError(
            f"{where}: response {status!r} is not a status code (ranges like 4XX and `default` are not made)"
        )
    return int(status)


def _snake(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def models_source(spec: dict[str, Any], source_name: str) -> str:
    """Pydantic v2 models of the document's schemas, on the platform's strict base model."""
    generated = generate(
        spec,
        input_file_type=InputFileType.OpenAPI,
        output_model_type=DataModelType.PydanticV2BaseModel,
        target_python_version=PythonVersion.PY_312,
        base_class="stack.libs.contract_models.ContractModel",
        custom_file_header=MODELS_HEADER.format(source=source_name),
        snake_case_field=True,
        use_standard_collections=True,
        use_union_operator=True,
        use_annotated=True,
        use_double_quotes=True,
        field_constraints=True,
        set_default_enum_member=True,
        strict_nullable=True,
        disable_timestamp=True,
        formatters=[Formatter.BLACK],
    )
    if not isinstance(generated, str):
        raise ContractError("datamodel-code-generator made more than one module; the command expects one")
    return generated


def routes_source(module: str, operations: list[Operation]) -> str:
    kinds = {PARAMETER_KINDS[p.kind] for operation in operations for p in operation.parameters}
    uses_models = any(
        operation.body or operation.answer or any(model for _, model in operation.errors.values())
        for operation in operations
    )
    lines = [
        f'"""The routes of {module}\'s contract. Each handler answers 501 until it is written: then',
        "remove PENDING_TAG and PENDING_RESPONSE from its decorator and refresh the contract",
        f'(./pants run modules/{module}/backend/contract.py)."""',
        "",
        *(["from typing import Annotated", ""] if kinds else []),
        f"from fastapi import {', '.join(sorted({'APIRouter', 'HTTPException', 'status', *kinds}))}",
        "",
        *([f"from {module}.backend.schemas import api_models"] if uses_models else []),
        "from stack.libs.contract_models import PENDING_RESPONSE, PENDING_TAG",
        "",
        "router = APIRouter()",
    ]
    for operation in operations:
        lines += ["", "", *_route(operation)]
    return "\n".join(lines) + "\n"


def _route(operation: Operation) -> list[str]:
    # Written as dict() calls: this file is itself a template, where two braces mean a variable.
    responses = "".join(
        f"{code}: dict(description={description!r}" + (f", model={model}" if model else "") + "), "
        for code, (description, model) in sorted(operation.errors.items())
    )
    decorator = [
        f"@router.{operation.method}(",
        f"    {operation.path!r},",
        f"    operation_id={operation.operation_id!r},",
        f"    status_code={operation.status},",
        *([f"    response_model={operation.answer},"] if operation.answer else []),
        f"    tags=[{', '.join(map(repr, operation.tags))}{', ' if operation.tags else ''}PENDING_TAG],",
        "    responses=" + "{" + responses + "501: PENDING_RESPONSE" + "},",
        ")",
    ]
    arguments = []
    for parameter in sorted(operation.parameters, key=lambda p: not p.required):
        kind = PARAMETER_KINDS[parameter.kind]
        alias = f"alias={parameter.name!r}" if parameter.python_name != parameter.name else ""
        annotation = f"Annotated[{parameter.type}, {kind}({alias})]"
        if parameter.required:
            arguments.append(f"{parameter.python_name}: {annotation}")
        else:
            optional = f"Annotated[{parameter.type} | None, {kind}({alias})]"
            arguments.append(f"{parameter.python_name}: {optional} = None")
    if operation.body:
        arguments.insert(
            0, f"body: {operation.body}" if operation.body_required else f"body: {operation.body} | None = None"
        )
    summary = operation.summary.replace("\\", "\\\\").replace('"""', "'''").splitlines()[0]
    returns = operation.answer or "None"
    detail = f"{operation.method.upper()} {operation.path} is not written yet"
    return [
        *decorator,
        f"def {operation.function}({', '.join(arguments)}) -> {returns}:",
        f'    """{summary}"""',
        f"    raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, {detail!r})",
    ]
