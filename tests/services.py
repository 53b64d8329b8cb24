"""The render with three command-made modules that several test files share (session-scoped
in conftest.py): cash_ledger (worker only), gateway (API and worker, its API from a
contract) using cash_ledger and reports, and billing with a database. Its heavy Pants goals
run once (``run_goals``) and the tests read what they left."""

import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from tests.rendering import git, pants, render_project

NEW_SERVICE = ("run", "tools/new_service:new-service", "--")

CONSUMER_CODE = """\
from cash_ledger.backend.public import CashLedgerPublisher, TaskRequest
from reports.backend.public import ReportRequest, ReportsPublisher


def forward_to_ledger(publisher: CashLedgerPublisher, text: str) -> str:
    \"\"\"Hand text to the ledger module's worker through its public publisher.\"\"\"
    return publisher.publish(TaskRequest(text=text))


def forward_to_reports(publisher: ReportsPublisher, values: list[float]) -> str:
    \"\"\"Hand numbers to the example module's worker through its public publisher.\"\"\"
    return publisher.publish(ReportRequest(title="from gateway", values=values))
"""

CONSUMER_TEST = """\
import boto3
from moto import mock_aws

from cash_ledger.backend import public as ledger_public
from cash_ledger.backend.public import CashLedgerPublisher
from gateway.backend.service.forwarding import forward_to_ledger, forward_to_reports
from reports.backend import public as reports_public
from reports.backend.public import ReportsPublisher
from stack.contracts.consumer import provider_contract


@mock_aws
def test_gateway_hands_work_to_ledger_and_reports() -> None:
    sqs = boto3.client("sqs", region_name="eu-west-1")
    ledger = sqs.create_queue(QueueName="cash-ledger-jobs")["QueueUrl"]
    reports = sqs.create_queue(QueueName="reports-jobs")["QueueUrl"]
    ledger_job = forward_to_ledger(CashLedgerPublisher(sqs, ledger), "an entry")
    report_job = forward_to_reports(ReportsPublisher(sqs, reports), [1.0, 2.0])
    ledger_body = sqs.receive_message(QueueUrl=ledger)["Messages"][0]["Body"]
    report_body = sqs.receive_message(QueueUrl=reports)["Messages"][0]["Body"]
    assert ledger_job in ledger_body and report_job in report_body
    # What gateway sends and reads is in the providers' committed contracts (docs/contracts.md).
    provider_contract(ledger_public).check_message(ledger_body)
    provider_contract(reports_public).check_message(report_body)
    provider_contract(reports_public).check_reads("GET", "/reports/{job_id}", 200, ["state", "result.total"])
"""

# gateway's API starts from a contract (docs/contracts.md): its operations are generated.
GATEWAY_CONTRACT = """\
openapi: 3.1.0
info:
  title: gateway
  version: "1"
paths:
  /routes/{routeId}:
    get:
      operationId: getRoute
      parameters:
        - name: routeId
          in: path
          required: true
          schema:
            type: string
      responses:
        "200":
          description: The route
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Route"
        "404":
          description: No such route
components:
  schemas:
    Route:
      type: object
      required: [routeId, target]
      properties:
        routeId:
          type: string
        target:
          type: string
          enum: [ledger, reports]
"""

def make_new_services(root: Path) -> Path:
    """cash_ledger (worker only), gateway (API and worker, its API from a contract) using
    cash_ledger and reports, then billing with a database."""
    project = render_project(root)
    pants(project, *NEW_SERVICE, "cash_ledger", "--no-api")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Add cash_ledger (worker only)")
    (project.parent / "gateway.yaml").write_text(GATEWAY_CONTRACT)
    made = pants(
        project, *NEW_SERVICE, "gateway", "--uses", "cash_ledger", "--uses", "reports", "--from-contract", "../gateway.yaml"
    )
    # Same requirements as cash_ledger: its pins are reused, no second resolve.
    assert "the same requirements as modules/cash_ledger" in made.stdout
    # A contract test per module used; cash_ledger has no API, so only what gateway sends it.
    assert "test_uses_cash_ledger.py: modules/cash_ledger answers no HTTP fields" in made.stdout
    (project / "modules/gateway/backend/service/forwarding.py").write_text(CONSUMER_CODE)
    (project / "modules/gateway/backend/tests/test_forwarding.py").write_text(CONSUMER_TEST)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Add gateway using cash_ledger and reports")
    pants(project, *NEW_SERVICE, "billing", "--with-database")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Add billing with a database")
    return project


def postgres_pids() -> set[int]:
    """Running PostgreSQL server processes (the postmaster and its children) on this machine."""
    listing = subprocess.run(["ps", "-eo", "pid=,comm="], capture_output=True, text=True, check=True).stdout
    rows = (line.strip().partition(" ") for line in listing.splitlines())
    return {int(pid) for pid, _, name in rows if name.strip() == "postgres"}


@dataclass(frozen=True)
class GoalsRun:
    """What the one run of the render's goals left: Pants' output, and PostgreSQL servers
    that were running after it but not before (there must be none)."""

    output: str
    postgres_left: set[int]


def run_goals(project: Path) -> GoalsRun:
    """tailor and BUILD checks, lint, check, test (with JUnit reports) and package of
    everything, as CI runs them."""
    before = postgres_pids()
    checked = pants(
        project, "tailor", "--check", "update-build-files", "--check", "lint", "check", "test", "--test-report", "::"
    )
    packaged = pants(project, "--filter-target-type=-docker_image", "package", "::")
    return GoalsRun(checked.stdout + checked.stderr + packaged.stdout + packaged.stderr, postgres_pids() - before)


def passed_cases(project: Path, pattern: str) -> set[str]:
    """Names of the test cases that passed in the JUnit reports matching ``pattern``
    (named after the file and, for a target with its own name, the target)."""
    passed = set()
    for report in (project / "dist/test/reports").glob(pattern):
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            if not list(case):  # no failure, error or skipped child
                passed.add(case.get("name", ""))
    return passed
