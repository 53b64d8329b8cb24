from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.workflows import fake_github
from tests.workflows.act import Act
from tests.workflows.fake_github import FakeGitHub
from tests.workflows.history import Remote


@pytest.fixture(scope="session")
def fake_github_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGitHub]:
    fake, server = fake_github.start(tmp_path_factory.mktemp("fake-github"))
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def act(tmp_path_factory: pytest.TempPathFactory, fake_github_server: FakeGitHub) -> Act:
    """act for the session: one action cache and tool cache (the stand-in Pythons) for every run."""
    return Act(
        cache_dir=tmp_path_factory.mktemp("act-cache"),
        github_instance=fake_github_server.instance,
        ca_bundle=fake_github_server.ca_bundle,
    )


@pytest.fixture
def github(fake_github_server: FakeGitHub) -> FakeGitHub:
    """The fake GitHub API, with no requests recorded yet."""
    fake_github_server.requests.clear()
    return fake_github_server


@pytest.fixture
def remote(project: Path, tmp_path: Path) -> Remote:
    """A fresh history of the shared render: main pushed to a bare origin."""
    return Remote(project, tmp_path / "repo")
