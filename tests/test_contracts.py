"""Contracts (docs/contracts.md) in a render: renaming a field of reports' answers fails the
contract check; the refreshed contract fails the breaking-change check of the pull request
unless it is announced (`feat!:`); and the contract test of a module made with `--uses reports`
fails with it."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.rendering import copy_project, git, pants

CONTRACT_TEST = "modules/reports/backend/tests/test_contract.py"
# gateway was made with `new-service --uses reports`: its generated contract test checks
# the fields of reports' answers it reads (tests/services.py).
CONSUMER_TEST = "modules/gateway/backend/tests/test_uses_reports.py"


def check_breaking(repo: Path, title: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "tools.contracts", "check-breaking", "--base", "main", "--title", title]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True)


@pytest.fixture(scope="module")
def renamed(new_services: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the render with gateway, on a branch where ReportSummary.total is called sum."""
    repo = copy_project(new_services, tmp_path_factory.mktemp("contracts") / "repo")
    git(repo, "switch", "-q", "-c", "rename-total")
    schemas = repo / "modules/reports/backend/schemas/reports.py"
    schemas.write_text(schemas.read_text().replace("    total: float\n", "    sum: float\n"))
    summaries = repo / "modules/reports/backend/service/summaries.py"
    summaries.write_text(summaries.read_text().replace("        total=total,\n", "        sum=total,\n"))
    return repo


def test_a_renamed_field_fails_the_contract_check_and_the_pull_request_needs_feat_bang(renamed: Path) -> None:
    stale = pants(renamed, "test", CONTRACT_TEST, check=False)
    assert stale.returncode != 0
    assert "openapi.json no longer matches the code" in stale.stdout + stale.stderr
    assert "./pants run modules/reports/backend/contract.py" in stale.stdout + stale.stderr

    pants(renamed, "run", "modules/reports/backend/contract.py")
    git(renamed, "commit", "-q", "-am", "feat(reports): call the total sum")
    # The committed contract matches again; the consumer's view of reports no longer holds.
    after = pants(renamed, "test", CONTRACT_TEST, CONSUMER_TEST, check=False)
    output = after.stdout + after.stderr
    assert "test_contract.py - succeeded" in output, output[-4000:]
    assert "test_uses_reports.py - failed" in output, output[-4000:]
    assert "no longer answers result.total" in output

    unannounced = check_breaking(renamed, "feat(reports): call the total sum")
    assert unannounced.returncode == 1
    assert "GET /reports/{job_id} 200 response.result.total: field removed (or renamed)" in unannounced.stderr
    assert check_breaking(renamed, "feat(reports)!: call the total sum").returncode == 0, unannounced.stderr
