import ast
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]  # no stubs locked; only safe_load and safe_dump are used

from tools.new_service.from_contract import ContractError, load
from tools.new_service.main import sibling_lockfile

# Block style: this file is itself a template, where two braces mean a variable.
SPEC = yaml.safe_load("""
openapi: 3.1.0
info:
  title: billing
  version: "1"
paths:
  /invoices:
    post:
      operationId: createInvoice
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/NewInvoice"
      responses:
        "201":
          description: Created
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Invoice"
  /invoices/{invoiceId}:
    get:
      operationId: getInvoice
      parameters:
        - name: invoiceId
          in: path
          required: true
          schema:
            type: string
      responses:
        "200":
          description: The invoice
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Invoice"
        "404":
          description: No such invoice
components:
  schemas:
    NewInvoice:
      type: object
      required: [customerId, amountCents]
      properties:
        customerId:
          type: string
        amountCents:
          type: integer
          minimum: 1
    Invoice:
      type: object
      required: [id, status]
      properties:
        id:
          type: string
        status:
          type: string
          enum: [open, paid]
""")


def write(tmp_path: Path, spec: object) -> Path:
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_routes_keep_the_paths_statuses_and_names_of_the_contract(tmp_path: Path) -> None:
    routes = load(write(tmp_path, SPEC)).routes("billing")
    ast.parse(routes)
    assert "'/invoices/{invoiceId}'," in routes and "operation_id='getInvoice'," in routes
    assert "def get_invoice(invoice_id: Annotated[str, Path(alias='invoiceId')]) -> api_models.Invoice:" in routes
    assert "def create_invoice(body: api_models.NewInvoice) -> api_models.Invoice:" in routes
    assert "status_code=201," in routes
    assert "404: dict(description='No such invoice'), 501: PENDING_RESPONSE" in routes
    assert routes.count("HTTP_501_NOT_IMPLEMENTED") == 2 and routes.count("PENDING_TAG]") == 2


def test_models_are_strict_pydantic_models_with_the_contract_names(tmp_path: Path) -> None:
    models = load(write(tmp_path, SPEC)).models()
    tree = ast.parse(models)
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    assert {"NewInvoice", "Invoice"} <= classes
    assert "from stack.libs.contract_models import ContractModel" in models
    assert 'alias="customerId"' in models


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(openapi=None), "not an OpenAPI 3 document"),
        (lambda s: s.update(paths={}), "has no paths"),
        (lambda s: s["paths"].update({"/tasks": s["paths"].pop("/invoices")}), "the module already answers /tasks"),
        (lambda s: s["paths"]["/invoices/{invoiceId}"]["get"].update(parameters=[]), "not declared under `parameters`"),
        (
            lambda s: s["paths"]["/invoices"]["post"]["requestBody"]["content"]["application/json"].update(
                schema=dict(type="object")
            ),
            "an inline schema; name it under components/schemas",
        ),
        (lambda s: s["paths"]["/invoices"]["post"]["responses"].pop("201"), "no 2xx response"),
        (lambda s: s["paths"]["/invoices"]["post"].update(operationId="getInvoice"), "name more than one operation"),
    ],
)
def test_documents_it_cannot_make_are_refused_with_the_part_named(tmp_path: Path, change, message: str) -> None:
    spec = yaml.safe_load(yaml.safe_dump(SPEC))  # a deep copy
    change(spec)
    with pytest.raises(ContractError, match=message):
        load(write(tmp_path, spec))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="no such file"):
        load(tmp_path / "nowhere.yaml")


def test_a_module_with_the_same_requirements_lends_its_pins(tmp_path: Path) -> None:
    (tmp_path / "3rdparty/python").mkdir(parents=True)
    (tmp_path / "lockfiles").mkdir()
    for module, extra in (("ledger", ""), ("reports", "PyYAML>=6\n")):
        (tmp_path / "modules" / module).mkdir(parents=True)
        (tmp_path / f"3rdparty/python/{module}-requirements.txt").write_text(f"# {module}\nfastapi>=0.115\n{extra}")
        (tmp_path / f"lockfiles/{module}.lock").write_text(
            f"//    pants generate-lockfiles --resolve={module}\n" + "[]"
        )
    assert sibling_lockfile(tmp_path, "billing", "# billing's own comment\nfastapi>=0.115\n") == (
        "ledger",
        "//    pants generate-lockfiles --resolve=billing\n[]",
    )
    assert sibling_lockfile(tmp_path, "billing", "fastapi>=0.115\nsqlalchemy>=2\n") is None
