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

from tests.rendering import git, pants, render_project

NEW_SERVICE = ("run", "tools/new_service:new-service", "--")

CONSUMER_CODE = '''\
from cash_ledger.backend.public import CashLedgerPublisher


def forward_to_ledger(publisher: CashLedgerPublisher, text: str) -> str:
    """Hand text to the ledger module's worker through its public publisher."""
    return publisher.publish(text)
'''

CONSUMER_TEST = '''\
import boto3
from moto import mock_aws

from cash_ledger.backend.public import CashLedgerPublisher
from gateway.backend.service.forwarding import forward_to_ledger


@mock_aws
def test_gateway_hands_work_to_ledger() -> None:
    sqs = boto3.client("sqs", region_name="eu-west-1")
    queue_url = sqs.create_queue(QueueName="cash-ledger-tasks")["QueueUrl"]
    task_id = forward_to_ledger(CashLedgerPublisher(sqs, queue_url), "an entry")
    (message,) = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    assert task_id in message["Body"]
'''


def status(project: Path) -> str:
    return git(project, "status", "--porcelain").rstrip("\n")


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A fresh render for a test that tries to change it."""
    return render_project(tmp_path)


@pytest.fixture(scope="module")
def two_services(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = render_project(tmp_path_factory.mktemp("services"))
    pants(project, *NEW_SERVICE, "cash_ledger", "--no-api")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Add cash_ledger (worker only)")
    pants(project, *NEW_SERVICE, "gateway", "--no-worker", "--uses", "cash_ledger")
    (project / "modules/gateway/backend/service/forwarding.py").write_text(CONSUMER_CODE)
    (project / "modules/gateway/backend/tests/test_forwarding.py").write_text(CONSUMER_TEST)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Add gateway (API only) using cash_ledger")
    return project


def test_new_modules_have_the_parts_asked_for(two_services: Path) -> None:
    ledger = two_services / "modules/cash_ledger/backend"
    gateway = two_services / "modules/gateway/backend"
    assert (ledger / "worker").is_dir() and not (ledger / "api").exists()
    assert (gateway / "api").is_dir() and not (gateway / "worker").exists()
    for name in ("cash_ledger", "gateway"):
        assert (two_services / f"lockfiles/{name}.lock").is_file()
        assert (two_services / f"3rdparty/python/{name}-requirements.txt").is_file()
        assert f'{name} = "lockfiles/{name}.lock"' in (two_services / "pants.toml").read_text()


def test_everything_passes_with_the_new_services(two_services: Path) -> None:
    pants(two_services, "tailor", "--check", "update-build-files", "--check", "lint", "check", "test", "::")
    pants(two_services, "--filter-target-type=-docker_image", "package", "::")
    assert (two_services / "dist/modules.gateway.backend.api/api-server.pex").is_file()
    assert (two_services / "dist/modules.cash_ledger.backend.worker/queue-worker.pex").is_file()


def test_dockerfiles_of_the_template_and_new_services_pass_hadolint(two_services: Path) -> None:
    dockerfiles = sorted(two_services.glob("modules/*/backend/*/Dockerfile"))
    assert {p.parent.parent.parent.name for p in dockerfiles} == {"reports", "cash_ledger", "gateway"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "hadolint"), "--no-color", "--failure-threshold", "info",
         *map(str, dockerfiles)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_delivery_plan_picks_up_a_changed_new_service_and_its_consumer(two_services: Path, tmp_path: Path) -> None:
    before = git(two_services, "rev-parse", "HEAD").strip()
    # The provider's public code is built into the consumer's image: both are delivered.
    publisher = two_services / "modules/cash_ledger/backend/public/publisher.py"
    publisher.write_text(publisher.read_text() + "\n# a change\n")
    git(two_services, "commit", "-q", "-am", "fix(cash_ledger): a change")
    after = git(two_services, "rev-parse", "HEAD").strip()
    try:
        event = tmp_path / "push.json"
        event.write_text(json.dumps({"ref": "refs/heads/dev", "before": before, "after": after, "deleted": False,
                                     "repository": {"full_name": "acme/acme-services"}}))
        result = subprocess.run(
            [sys.executable, "-m", "tools.delivery", "plan", "--event-name", "push", "--event-path", str(event),
             "--pulumi-org", "acme"],
            cwd=two_services, capture_output=True, text=True, check=True,
        )
    finally:
        git(two_services, "reset", "-q", "--hard", before)
    plan = json.loads(result.stdout)
    assert plan["services"] == ["cash_ledger", "gateway"]
    assert [stack["qualified"] for stack in plan["stacks"]] == [
        "acme/acme-services-cash_ledger/test",
        "acme/acme-services-gateway/test",
    ]
    assert sorted(image["tag"] for image in plan["images"]) == [
        f"cash_ledger-worker-dev-{after[:12]}",
        f"gateway-dev-{after[:12]}",
    ]


def test_consumer_gets_public_code_only(two_services: Path) -> None:
    deps = pants(two_services, "dependencies", "--transitive", "modules/gateway/backend/service/forwarding.py").stdout
    assert "modules/cash_ledger/backend/public/publisher.py@resolve=gateway" in deps
    ledger_private = [
        line for line in deps.splitlines()
        if line.startswith("modules/cash_ledger/") and "/public/" not in line and "/schemas/" not in line
    ]
    assert ledger_private == []


def test_private_import_from_another_module_is_rejected(two_services: Path, tmp_path: Path) -> None:
    private = two_services / "modules/gateway/backend/service/private_use.py"
    private.write_text("from cash_ledger.backend.service import TaskService\n\nSERVICE = TaskService\n")
    try:
        result = pants(two_services, "dependencies", "modules/gateway::", check=False)
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
