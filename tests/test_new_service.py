"""The new-service command: two services added to a fresh render, one using the other.

The provider's name has an underscore (a Python package name) to show it survives every
other naming rule: Pants targets, Pulumi projects, AWS resource names, image tags.
"""

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.rendering import git, pants, render_project
from tests.services import NEW_SERVICE, GoalsRun, passed_cases, postgres_pids

CONTRACT_FILES = {"backend/api/contract_routes.py", "backend/schemas/api_models.py"}
# What gateway relies on in each module it uses, written by --uses (docs/contracts.md).
USES_TESTS = {"backend/tests/test_uses_cash_ledger.py", "backend/tests/test_uses_reports.py"}

# Files of a module that are its own (its domain); every other file is the platform's
# wiring and must be the same in every module, the example included.
DOMAIN_FILES = {
    "README.md",
    # Its uses are its own; the parity of the rest is checked below.
    "module.toml",
    "backend/schemas/__init__.py",
    "backend/service/__init__.py",
    "backend/service/jobs.py",
    "backend/api/routes.py",
    "backend/public/__init__.py",
    "backend/public/client.py",
    "backend/public/publisher.py",
    "backend/tests/conftest.py",
    "backend/tests/test_service.py",
    "backend/tests/test_public.py",
    # What the module's own code promises (docs/contracts.md), written from it.
    "backend/public/contract/openapi.json",
    "backend/public/contract/messages.json",
}
REPORTS_DOMAIN = DOMAIN_FILES | {"backend/schemas/reports.py", "backend/service/summaries.py"}
NEW_MODULE_DOMAIN = DOMAIN_FILES | {"backend/schemas/models.py", "backend/service/words.py"}
# Stack tests: reports' cover operations settings (rollouts, secrets, alarms) on top.
INFRASTRUCTURE_TESTS = "infrastructure/tests/"


def status(project: Path) -> str:
    return git(project, "status", "--porcelain").rstrip("\n")


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A fresh render for a test that tries to change it."""
    return render_project(tmp_path)


def module_files(module: Path, skip: set[str]) -> dict[str, str]:
    return {
        str(path.relative_to(module)): path.read_text()
        for path in sorted(module.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
        and str(path.relative_to(module)) not in skip
        and not str(path.relative_to(module)).startswith(INFRASTRUCTURE_TESTS)
    }  # fmt: skip


def test_new_modules_have_the_parts_asked_for(new_services: Path) -> None:
    ledger = new_services / "modules/cash_ledger/backend"
    gateway = new_services / "modules/gateway/backend"
    assert (ledger / "worker").is_dir() and not (ledger / "api").exists()
    assert (gateway / "api").is_dir() and (gateway / "worker").is_dir()
    assert not (ledger / "tests/test_reliability.py").exists()  # the process suite needs an API
    assert (gateway / "tests/test_reliability.py").is_file() and (gateway / "tests/test_api_contract.py").is_file()
    # The contract's operation is in gateway's committed contract, its handler still to write.
    operation = json.loads((gateway / "public/contract/openapi.json").read_text())["paths"]["/routes/{routeId}"]["get"]
    assert operation["operationId"] == "getRoute" and {"200", "404", "501"} <= set(operation["responses"])
    assert "handler-pending" in operation["tags"]
    assert "class Route(ContractModel):" in (gateway / "schemas/api_models.py").read_text()
    # A contract test per module it uses: what it sends each, and what it reads from reports' API.
    assert "READS = " not in (gateway / "tests/test_uses_cash_ledger.py").read_text()  # no API to read
    uses_reports = (gateway / "tests/test_uses_reports.py").read_text()
    assert '("GET", "/reports/{job_id}", 200): [' in uses_reports and '"result.total",' in uses_reports
    for name in ("cash_ledger", "gateway"):
        assert (new_services / f"lockfiles/{name}.lock").is_file()
        assert (new_services / f"3rdparty/python/{name}-requirements.txt").is_file()
        assert f'{name} = "lockfiles/{name}.lock"' in (new_services / "pants.toml").read_text()


def test_a_module_made_by_the_command_is_wired_exactly_like_the_example(new_services: Path, project: Path) -> None:
    """Everything but the domain files is the same as modules/reports, name for name."""
    made = module_files(new_services / "modules/gateway", NEW_MODULE_DOMAIN | CONTRACT_FILES | USES_TESTS | {
        "backend/service/forwarding.py", "backend/tests/test_forwarding.py"})
    example = module_files(project / "modules/reports", REPORTS_DOMAIN)

    def as_reports(text: str) -> str:
        return text.replace("gateway", "reports").replace("Gateway", "Reports").replace("GATEWAY", "REPORTS")

    assert sorted(made) == sorted(example), "the two modules have different wiring files"
    # module.toml: the same declaration but for the modules it uses, which --uses wrote.
    declared = (new_services / "modules/gateway/module.toml").read_text()
    assert '\nuses = ["cash_ledger", "reports"]\n' in declared
    reports_declaration = (project / "modules/reports/module.toml").read_text()
    assert as_reports(declared.replace('["cash_ledger", "reports"]', "[]")) == reports_declaration
    drifted = [name for name in made if as_reports(made[name]) != example[name]]
    assert drifted == [], f"wiring that differs from modules/reports: {drifted}"


def test_everything_passes_with_the_new_services(new_services: Path, new_services_goals: GoalsRun) -> None:
    # gateway's tests include the platform's suites: the API proofs and the process proofs
    # (SIGKILL, SIGTERM, poison message, bad input, bounded load) on real processes.
    assert (new_services / "dist/modules.gateway.backend.api/api-server.pex").is_file()
    assert (new_services / "dist/modules.cash_ledger.backend.worker/queue-worker.pex").is_file()
    # The platform's suites ran on the new module, every case of them (JUnit reports).
    passed = set()
    for name in ("test_reliability", "test_api_contract", "test_uses_reports", "test_uses_cash_ledger"):
        passed |= passed_cases(new_services, f"modules.gateway.backend.tests.{name}.py*.xml")
    for case in (
        "test_sigkill_mid_job_then_restart_does_every_job_exactly_once",
        "test_sigterm_during_work_loses_nothing",
        "test_a_poison_message_is_marked_failed_and_dead_lettered",
        "test_bad_http_input_gets_the_right_answer_and_the_server_keeps_serving",
        "test_bounded_load_run_has_no_errors_and_loses_no_job",
        "test_a_failed_send_with_a_key_is_queued_by_the_retry",
        "test_same_key_same_job_other_request_422",
        "test_reports_queue_accepts_what_gateway_sends",
        "test_reports_still_answers_what_gateway_reads",
        "test_cash_ledger_queue_accepts_what_gateway_sends",
    ):
        assert case in passed, f"{case} did not pass for gateway: {sorted(passed)}"
    assert any(name.startswith("test_the_api_keeps_its_own_openapi_contract") for name in passed)


def test_compose_file_lists_every_module(new_services: Path) -> None:
    services = yaml.safe_load((new_services / "docker-compose.yml").read_text())["services"]
    assert {"cash-ledger-worker", "gateway-api", "gateway-worker", "reports-api", "reports-worker"} <= set(services)
    assert "cash-ledger-api" not in services
    assert services["setup"]["entrypoint"][2:] == ["billing:120:5", "cash_ledger:120:5", "gateway:120:5", "reports:120:5"]
    uses = json.loads(services["gateway-api"]["environment"]["GATEWAY_USES_QUEUE_URLS"])
    assert uses == {name: f"http://moto:5000/123456789012/{name.replace('_', '-')}-jobs" for name in ("cash_ledger", "reports")}
    check = subprocess.run([sys.executable, "stack/local/compose.py", "--check"], cwd=new_services)
    assert check.returncode == 0


def test_the_whole_repository_runs_locally_and_a_job_completes_in_each_module(new_services: Path) -> None:
    before = postgres_pids()
    done = pants(new_services, "run", "stack/local:up", "--", "--demo")
    # A job through each API, and one over each uses link: cash_ledger has no API, so its
    # job comes from gateway's link, on the queue URL the runtime handed gateway.
    completed = "every demo job completed: billing, gateway, reports, gateway -> cash_ledger, gateway -> reports"
    assert completed in done.stdout, done.stdout[-3000:]
    assert "sent to GATEWAY_USES_QUEUE_URLS['cash_ledger']" in done.stdout
    assert "cash_ledger-worker pid" in done.stdout  # worker-only modules run too
    # billing's job wrote its row in the PostgreSQL that up started, and stopped again.
    assert "word count recorded" in done.stdout, done.stdout[-3000:]
    assert postgres_pids() <= before, "up left its PostgreSQL running"


def test_dockerfiles_of_the_template_and_new_services_pass_hadolint(new_services: Path) -> None:
    dockerfiles = sorted(new_services.glob("modules/*/backend/*/Dockerfile"))
    assert {p.parent.parent.parent.name for p in dockerfiles} == {"billing", "reports", "cash_ledger", "gateway"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "hadolint"), "--no-color", "--failure-threshold", "info",
         *map(str, dockerfiles)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_delivery_plan_picks_up_a_changed_new_service_and_its_consumer(new_services: Path, tmp_path: Path) -> None:
    before = git(new_services, "rev-parse", "HEAD").strip()
    # The provider's public code is built into the consumer's image: both are delivered.
    publisher = new_services / "modules/cash_ledger/backend/public/publisher.py"
    publisher.write_text(publisher.read_text() + "\n# a change\n")
    git(new_services, "commit", "-q", "-am", "fix(cash_ledger): a change")
    after = git(new_services, "rev-parse", "HEAD").strip()
    try:
        event = tmp_path / "push.json"
        event.write_text(json.dumps({"ref": "refs/heads/dev", "before": before, "after": after, "deleted": False,
                                     "repository": {"full_name": "acme/acme-services"}}))
        result = subprocess.run(
            [sys.executable, "-m", "tools.delivery", "plan", "--event-name", "push", "--event-path", str(event),
             "--pulumi-org", "acme"],
            cwd=new_services, capture_output=True, text=True, check=True,
        )
    finally:
        git(new_services, "reset", "-q", "--hard", before)
    plan = json.loads(result.stdout)
    assert plan["services"] == ["cash_ledger", "gateway"]
    assert [stack["qualified"] for stack in plan["stacks"]] == [
        "acme/acme-services-cash_ledger/test",
        "acme/acme-services-gateway/test",
    ]
    assert sorted(image["tag"] for image in plan["images"]) == [
        f"cash_ledger-worker-dev-{after[:12]}",
        f"gateway-dev-{after[:12]}",
        f"gateway-worker-dev-{after[:12]}",
    ]


def test_consumer_gets_public_code_only(new_services: Path) -> None:
    deps = pants(new_services, "dependencies", "--transitive", "modules/gateway/backend/service/forwarding.py").stdout
    assert "modules/cash_ledger/backend/public/publisher.py@resolve=gateway" in deps
    ledger_private = [
        line for line in deps.splitlines()
        if line.startswith("modules/cash_ledger/") and "/public/" not in line and "/schemas/" not in line
    ]
    assert ledger_private == []


def test_private_import_from_another_module_is_rejected(new_services: Path, tmp_path: Path) -> None:
    private = new_services / "modules/gateway/backend/service/private_use.py"
    private.write_text("from cash_ledger.backend.service import JOBS\n\nSERVICE = JOBS\n")
    try:
        result = pants(new_services, "dependencies", "modules/gateway::", check=False)
    finally:
        private.unlink()
    assert result.returncode != 0
    assert "cash_ledger.backend.service" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Billing"], "is not valid"),
        (["json"], "would shadow Python's own"),
        (["reports"], "already exists"),
        (["solo", "--no-api", "--no-worker"], "needs an API, a worker or both"),
        (["solo", "--uses", "nowhere"], "no module with a public package"),
    ],
)
def test_bad_requests_fail_clearly_and_change_nothing(project_copy: Path, args: list[str], message: str) -> None:
    result = pants(project_copy, *NEW_SERVICE, *args, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Nothing was changed." in result.stderr
    assert status(project_copy) == ""


def test_dirty_files_it_would_overwrite_stop_it(project_copy: Path) -> None:
    pants_toml = project_copy / "pants.toml"
    pants_toml.write_text(pants_toml.read_text() + "\n# local edit\n")
    result = pants(project_copy, *NEW_SERVICE, "billing", check=False)
    assert result.returncode != 0
    assert "uncommitted changes" in result.stderr and "pants.toml" in result.stderr
    assert status(project_copy) == " M pants.toml"
    assert not (project_copy / "modules/billing").exists()


def test_failure_halfway_rolls_back(project_copy: Path) -> None:
    # Lockfile generation needs PyPI: an unreachable index makes that step fail.
    env_file = project_copy / ".pants.rc"
    env_file.write_text('[python-repos]\nindexes = ["http://127.0.0.1:9/simple/"]\n')
    git(project_copy, "add", ".pants.rc")
    git(project_copy, "commit", "-q", "-m", "offline index")
    result = pants(project_copy, *NEW_SERVICE, "billing", check=False, timeout=600)
    assert result.returncode != 0
    assert "generating lockfiles/billing.lock failed" in result.stderr
    assert status(project_copy) == ""
    assert not (project_copy / "modules/billing").exists()


def test_documented_invocations_are_accepted_and_make_what_their_comments_say(project: Path) -> None:
    """Every `new-service -- ...` example in the README and docs goes through the command's own
    argument parser; "worker only" / "API only" comments match the parts it would make."""
    command = "./pants run tools/new_service:new-service -- "
    examples = []
    for page in [project / "README.md", *sorted((project / "docs").glob("*.md"))]:
        for line in page.read_text().splitlines():
            if command in line and "<" not in line:
                args, _, comment = line.split(command, 1)[1].partition("#")
                examples.append((page.name, shlex.split(args), comment.strip()))
    assert {page for page, _, _ in examples} >= {"README.md", "services.md"}, examples
    parsed = subprocess.run(
        [
            sys.executable, "-c",
            "import json, sys; from tools.new_service.main import parse_args; "
            "print(json.dumps([vars(parse_args(args)) for args in json.loads(sys.argv[1])]))",
            json.dumps([args for _, args, _ in examples]),
        ],
        cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    assert parsed.returncode == 0, parsed.stderr
    for (page, args, comment), options in zip(examples, json.loads(parsed.stdout), strict=True):
        parts = {part for part, wanted in (("api", options["has_api"]), ("worker", options["has_worker"])) if wanted}
        expected = {"worker only": {"worker"}, "API only": {"api"}, "API and worker": {"api", "worker"}}.get(comment)
        assert expected is None or parts == expected, (page, args, comment, options)
