from pathlib import Path

import pytest

from tools.delivery.changes import affected_services, needs_full_ci, touches_foundation
from tools.delivery.services import Service, discover_services

SERVICES = [
    Service(name="billing", images=("api",), pulumi_project="billing"),
    Service(name="reports", images=("api", "worker"), pulumi_project="reports"),
]


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["modules/reports/backend/api/app.py"], ["reports"]),
        (["modules/reports/infrastructure/__main__.py", "modules/billing/BUILD"], ["billing", "reports"]),
        (["stack/libs/settings.py"], ["billing", "reports"]),
        (["stack/infra/components/http_service.py"], ["billing", "reports"]),
        (["pants.toml"], ["billing", "reports"]),
        (["lockfiles/stack.lock"], ["billing", "reports"]),
        (["3rdparty/python/infra-requirements.txt"], ["billing", "reports"]),
        (["build-support/service_resolves.py"], ["billing", "reports"]),
        # A service's own dependencies affect only that service.
        (["lockfiles/reports.lock", "3rdparty/python/reports-requirements.txt"], ["reports"]),
        (["docs/index.md", "README.md", "mkdocs.yml", ".github/workflows/ci.yml"], []),
        (["tools/delivery/plan.py"], []),
        # The foundation has its own workflow.
        (["stack/infra/foundation/__main__.py"], []),
        # A module that is not a service (or was removed) is nobody's.
        (["modules/gone/backend/api/app.py"], []),
        ([], []),
    ],
)
def test_affected_services(paths: list[str], expected: list[str]) -> None:
    assert affected_services(paths, SERVICES) == expected


# gateway imports billing's public client; audit imports gateway's.
USERS = [
    Service(name="audit", images=("worker",), pulumi_project="audit", uses=("gateway",)),
    Service(name="billing", images=("worker",), pulumi_project="billing"),
    Service(name="gateway", images=("api",), pulumi_project="gateway", uses=("billing",)),
]


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        # Public code (and the schemas it returns) is built into its consumers' images.
        (["modules/billing/backend/public/client.py"], ["audit", "billing", "gateway"]),
        (["modules/billing/backend/schemas/models.py"], ["audit", "billing", "gateway"]),
        (["modules/gateway/backend/public/client.py"], ["audit", "gateway"]),
        # So is its committed contract, which consumers' contract tests read (docs/contracts.md).
        (["modules/billing/backend/public/contract/openapi.json"], ["audit", "billing", "gateway"]),
        # Private code and tests stay inside the module.
        (["modules/billing/backend/service/tasks.py"], ["billing"]),
        (["modules/billing/backend/tests/test_public_client.py"], ["billing"]),
        (["modules/billing/infrastructure/__main__.py"], ["billing"]),
    ],
)
def test_a_change_to_public_code_reaches_its_consumers(paths: list[str], expected: list[str]) -> None:
    assert affected_services(paths, USERS) == expected


def test_ci_checks_everything_only_for_build_configuration_and_shared_code() -> None:
    assert needs_full_ci(["pants.toml"])
    assert needs_full_ci(["lockfiles/reports.lock"])
    assert needs_full_ci(["stack/libs/settings.py"])
    assert not needs_full_ci(["modules/reports/backend/api/app.py", "docs/index.md"])


def test_touches_foundation() -> None:
    assert touches_foundation(["stack/infra/foundation/__main__.py"])
    assert not touches_foundation(["stack/infra/components/queue.py"])


def test_services_are_discovered_from_the_modules_directory(tmp_path: Path) -> None:
    (tmp_path / "modules/reports/backend/api").mkdir(parents=True)
    (tmp_path / "modules/reports/backend/api/Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "modules/reports/backend/worker").mkdir(parents=True)
    (tmp_path / "modules/reports/backend/worker/Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "modules/reports/infrastructure").mkdir(parents=True)
    (tmp_path / "modules/reports/infrastructure/Pulumi.yaml").write_text('name: "acme-reports"\nruntime: python\n')
    # Infrastructure only, no backend: still a service, with no images.
    (tmp_path / "modules/edge/infrastructure").mkdir(parents=True)
    (tmp_path / "modules/edge/infrastructure/Pulumi.yaml").write_text("runtime: python\nname: edge\n")
    # Neither: not a service.
    (tmp_path / "modules/notes").mkdir(parents=True)

    services = discover_services(tmp_path)

    assert services == [
        Service(name="edge", images=(), pulumi_project="edge"),
        Service(name="reports", images=("api", "worker"), pulumi_project="acme-reports"),
    ]
    assert services[1].dockerfile("worker") == "modules/reports/backend/worker/Dockerfile"
    assert services[1].infrastructure_dir == "modules/reports/infrastructure"


def test_the_modules_a_service_uses_are_read_from_its_imports(tmp_path: Path) -> None:
    for name in ("billing", "gateway", "audit"):
        (tmp_path / f"modules/{name}/backend/service").mkdir(parents=True)
    (tmp_path / "modules/gateway/backend/service/forwarding.py").write_text(
        "import json\nfrom billing.backend.public import BillingClient\nfrom gateway.backend.schemas import Task\n"
    )
    (tmp_path / "modules/audit/backend/service/check.py").write_text("import gateway.backend.public as gateway\n")
    # Tests are not in the image: a test-only import is no dependency.
    (tmp_path / "modules/audit/backend/tests").mkdir()
    (tmp_path / "modules/audit/backend/tests/test_check.py").write_text("from billing.backend.public import X\n")

    (tmp_path / "modules/gateway/module.toml").write_text('uses = ["billing"]\n')
    (tmp_path / "modules/audit/module.toml").write_text('uses = ["gateway"]\n')

    uses = {s.name: s.uses for s in discover_services(tmp_path)}

    assert uses == {"audit": ("gateway",), "billing": (), "gateway": ("billing",)}
    # Its stack may send only where module.toml says: code that imports more is refused.
    (tmp_path / "modules/audit/module.toml").write_text("uses = []\n")
    with pytest.raises(
        ValueError, match=r'modules/audit imports the public package of gateway .* uses = \["gateway"\]'
    ):
        discover_services(tmp_path)


def test_a_pulumi_yaml_without_a_name_is_reported(tmp_path: Path) -> None:
    (tmp_path / "modules/bad/infrastructure").mkdir(parents=True)
    (tmp_path / "modules/bad/infrastructure/Pulumi.yaml").write_text("runtime: python\n  name: nested\n")
    with pytest.raises(ValueError, match="no top-level 'name:'"):
        discover_services(tmp_path)
