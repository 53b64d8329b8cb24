from pathlib import Path

import pytest

from tests.rendering import render_project


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template rendered with its default answers (shared: do not modify it)."""
    return render_project(tmp_path_factory.mktemp("default"))
