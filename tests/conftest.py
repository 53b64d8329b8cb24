from pathlib import Path

import pytest

from tests.rendering import render_project

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
