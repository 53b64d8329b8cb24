from pathlib import Path

import pytest

from tests.rendering import render_project
from tests.services import GoalsRun, make_new_services, run_goals

# Quotes, an apostrophe, '&' and non-ASCII letters: must still render valid files everywhere.
UNUSUAL_NAME = 'Zoë\'s "Quoted" & Ünïcode Services'


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template rendered with its default answers (shared: do not modify its sources)."""
    return render_project(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="session")
def unusual_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A render with unusual answers (shared: do not modify its sources)."""
    return render_project(
        tmp_path_factory.mktemp("unusual"),
        project_name=UNUSUAL_NAME,
        description='A "quoted" & <odd> description',
        github_owner="Zoe-Org",
        github_repo="zoe.services_2",
        aws_region="ap-southeast-2",
        aws_account_id="000000000001",
        pulumi_org="zoe_org.dev",
    )


@pytest.fixture(scope="session")
def new_services(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A render with three command-made modules (tests/services.py). Tests that change it
    put it back; tests that need to keep a change work on a copy."""
    return make_new_services(tmp_path_factory.mktemp("services"))


@pytest.fixture(scope="session")
def new_services_goals(new_services: Path) -> GoalsRun:
    """lint, check, test and package of everything in that render, run once."""
    return run_goals(new_services)
