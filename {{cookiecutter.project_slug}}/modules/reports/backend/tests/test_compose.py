"""docker-compose.yml offers what `local:up` does: checked against the code, without Docker."""

import ast
import sys
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml  # type: ignore[import-untyped]  # no stubs locked; only safe_load is used

from reports.backend.settings import ReportsSettings
from stack.local import resources

QUEUE_NAME, BUCKET_NAME = resources.queue_name("reports"), resources.bucket_name("reports")

COMPOSE_FILE = Path("docker-compose.yml")
SLUG = "{{ cookiecutter.project_slug }}"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def settings_variables() -> set[str]:
    """Every environment variable ReportsSettings reads."""
    names = set()
    for name, field in ReportsSettings.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"REPORTS_{name.upper()}")
    return names


def test_services(compose: dict) -> None:
    assert set(compose["services"]) == {"moto", "setup", "api", "worker"}


def test_moto_matches_the_locked_version_and_listens_on_loopback(compose: dict) -> None:
    moto = compose["services"]["moto"]
    assert moto["image"] == f"motoserver/moto:{version('moto')}"
    assert moto["ports"] == ["127.0.0.1:5000:5000"]
    assert "moto-api" in " ".join(moto["healthcheck"]["test"])


def test_setup_runs_the_same_resource_script_as_local_up(compose: dict) -> None:
    setup = compose["services"]["setup"]
    (volume,) = setup["volumes"]
    source, target, mode = volume.split(":")
    assert Path(source).resolve() == Path("stack/local/resources.py").resolve()
    assert Path(source).is_file()
    assert setup["entrypoint"] == ["python", target, "reports"] and mode == "ro"
    assert setup["depends_on"] == {"moto": {"condition": "service_healthy"}}
    assert setup["environment"]["AWS_ENDPOINT_URL"] == "http://moto:5000"


@pytest.mark.parametrize("service", ["api", "worker"])
def test_services_read_only_settings_the_code_knows(compose: dict, service: str) -> None:
    environment = compose["services"][service]["environment"]
    known = settings_variables() | {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "HOST", "PORT"}
    assert set(environment) <= known, f"unknown variables: {set(environment) - known}"

    settings = ReportsSettings.model_validate(
        {"AWS_ENDPOINT_URL": environment["AWS_ENDPOINT_URL"], "AWS_REGION": environment["AWS_REGION"]}
        | {"queue_url": environment["REPORTS_QUEUE_URL"], "bucket_name": environment["REPORTS_BUCKET_NAME"]}
    )
    assert urlparse(settings.aws_endpoint_url).netloc == "moto:5000"
    assert urlparse(settings.queue_url).netloc == "moto:5000"
    assert urlparse(settings.queue_url).path.endswith(f"/{QUEUE_NAME}")
    assert settings.bucket_name == BUCKET_NAME
    assert settings.aws_region == "{{ cookiecutter.aws_region }}"
    assert compose["services"][service]["depends_on"] == {"setup": {"condition": "service_completed_successfully"}}


def test_images_are_the_ones_pants_builds(compose: dict) -> None:
    # docker_image targets in modules/reports/backend/{api,worker}/BUILD: repository is the
    # project slug, tags "reports-{IMAGE_TAG}" (API) and "reports-worker-{IMAGE_TAG}", with
    # IMAGE_TAG=local by default.
    assert compose["services"]["api"]["image"] == f"{SLUG}:reports-local"
    assert compose["services"]["worker"]["image"] == f"{SLUG}:reports-worker-local"
    assert compose["services"]["api"]["pull_policy"] == compose["services"]["worker"]["pull_policy"] == "never"


def test_api_port_is_published_on_loopback_only(compose: dict) -> None:
    api = compose["services"]["api"]
    assert api["environment"]["HOST"] == "0.0.0.0"  # noqa: S104 - inside the container
    assert api["ports"] == [f"127.0.0.1:8000:{api['environment']['PORT']}"]


def test_worker_gets_time_to_finish_its_job(compose: dict) -> None:
    grace = compose["services"]["worker"]["stop_grace_period"]
    assert int(grace.removesuffix("s")) > ReportsSettings().shutdown_timeout_seconds


def test_resource_script_needs_nothing_but_boto3() -> None:
    # compose runs it in the moto image, which has boto3 but none of this repository.
    tree = ast.parse(Path(resources.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    top_level = {name.split(".")[0] for name in imported}
    assert top_level <= set(sys.stdlib_module_names) | {"boto3", "botocore"}
