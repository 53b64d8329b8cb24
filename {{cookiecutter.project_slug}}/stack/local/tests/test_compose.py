"""docker-compose.yml is what the modules on disk say, and offers what `stack/local:up` does:
checked against the code, without Docker."""

import ast
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]  # no stubs locked; only safe_load is used

from stack.libs.database.settings import DatabaseSettings
from stack.libs.settings import JobServiceSettings
from stack.local import compose, resources
from stack.module_toml import load_declaration

COMPOSE_FILE = Path("docker-compose.yml")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]


def test_the_file_is_what_the_modules_on_disk_say() -> None:
    assert compose.main(["--check", "--root", "."]) == 0, "run `python stack/local/compose.py` and commit"


def test_a_new_module_makes_it_stale(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE_FILE.read_text())
    for module in compose.components(Path(".")):
        (tmp_path / f"modules/{module[0]}").mkdir(parents=True)
        (tmp_path / f"modules/{module[0]}/module.toml").write_text(Path(f"modules/{module[0]}/module.toml").read_text())
        for part in module[1]:
            dockerfile = tmp_path / f"modules/{module[0]}/backend/{part}/Dockerfile"
            dockerfile.parent.mkdir(parents=True, exist_ok=True)
            dockerfile.write_text("FROM scratch\n")
    assert compose.main(["--check", "--root", str(tmp_path)]) == 0
    (tmp_path / "modules/added_later/backend/api").mkdir(parents=True)
    (tmp_path / "modules/added_later/backend/api/Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "modules/added_later/module.toml").write_text("[queue]\nmax_receives = 2\n")
    assert compose.main(["--check", "--root", str(tmp_path)]) == 1
    assert compose.main(["--root", str(tmp_path)]) == 0
    written = yaml.safe_load((tmp_path / "docker-compose.yml").read_text())["services"]
    assert "added-later-api" in written
    assert "added_later:120:2" in written["setup"]["entrypoint"]


def test_every_module_has_its_containers_and_resources(services: dict) -> None:
    modules = compose.components(Path("."))
    assert modules, "no module with a Dockerfile found"
    setup_arguments = services["setup"]["entrypoint"][2:]
    assert [argument.split(":")[0] for argument in setup_arguments] == [name for name, _ in modules]
    for (name, parts), argument in zip(modules, setup_arguments, strict=True):
        queue = load_declaration(Path(f"modules/{name}")).queue
        # The queue settings of module.toml, as the service stack makes them in AWS.
        assert argument == f"{name}:{queue.visibility_timeout_seconds}:{queue.max_receives}"
        for part in parts:
            service = services[f"{compose.aws_name(name)}-{part}"]
            assert service["image"] == f"{compose.SLUG}:{name}-{'local' if part == 'api' else 'worker-local'}"
            environment = service["environment"]
            queue_url = environment[f"{name.upper()}_QUEUE_URL"]
            assert queue_url.endswith(f"/{resources.queue_name(name)}")
            assert environment[f"{name.upper()}_BUCKET_NAME"] == resources.bucket_name(name)
            uses = load_declaration(Path(f"modules/{name}")).uses
            urls = yaml.safe_load(environment.get(f"{name.upper()}_USES_QUEUE_URLS", "{}"))
            assert urls == {used: compose.queue_url(used) for used in uses}


def test_containers_read_only_settings_the_code_knows(services: dict) -> None:
    jobs = {name.upper() for name in JobServiceSettings.model_fields}
    database = {name.upper() for name in DatabaseSettings.model_fields}
    shared = {"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    for name, parts in compose.components(Path(".")):
        fields = jobs | (database if load_declaration(Path(f"modules/{name}")).database else set())
        for part in parts:
            environment = services[f"{compose.aws_name(name)}-{part}"]["environment"]
            prefixed = {key.removeprefix(f"{name.upper()}_") for key in environment if key.startswith(name.upper())}
            assert prefixed <= fields
            assert set(environment) - {k for k in environment if k.startswith(name.upper())} <= shared | {
                "HOST",
                "PORT",
            }


def test_moto_matches_the_locked_version_and_listens_on_loopback(services: dict) -> None:
    assert services["moto"]["image"] == f"motoserver/moto:{version('moto')}"
    assert services["moto"]["ports"] == ["127.0.0.1:5000:5000"]


def test_the_resource_script_needs_nothing_but_boto3() -> None:
    # compose runs it in the moto image, which has boto3 but none of this repository.
    tree = ast.parse(Path(resources.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert {name.split(".")[0] for name in imported} <= set(sys.stdlib_module_names) | {"boto3", "botocore"}


def test_a_module_with_a_database_gets_postgres_and_its_migrations_first(tmp_path: Path) -> None:
    for part in ("api", "worker", "database"):
        (tmp_path / f"modules/billing/backend/{part}").mkdir(parents=True)
    for part in ("api", "worker"):
        (tmp_path / f"modules/billing/backend/{part}/Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "modules/billing/module.toml").write_text("[database]\n")
    assert compose.main(["--root", str(tmp_path)]) == 0
    document = yaml.safe_load((tmp_path / "docker-compose.yml").read_text())
    services = document["services"]
    assert services["postgres"]["image"] == compose.POSTGRES_IMAGE
    assert services["postgres"]["ports"] == ["127.0.0.1:5432:5432"]
    assert "CREATE DATABASE billing;" in document["configs"]["postgres-databases"]["content"]
    assert services["billing-migrate"]["command"] == ["migrate"]
    assert services["billing-migrate"]["image"] == services["billing-worker"]["image"]
    for container in ("billing-api", "billing-worker"):
        assert services[container]["depends_on"]["billing-migrate"] == {"condition": "service_completed_successfully"}
        assert services[container]["environment"]["BILLING_DATABASE_HOST"] == "postgres"
