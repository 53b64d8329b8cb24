import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from reports.backend.local.runtime import LocalReports
from reports.backend.tests.reliability.support import FAST_SETTINGS, MAX_RECEIVES
from stack.local.emulator import MotoEmulator


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reliability: real processes (moto server, API, worker) on loopback")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoEmulator]:
    """One moto server per test module; each test gets its own queues and bucket in it."""
    moto = MotoEmulator(tmp_path_factory.mktemp("moto"), "eu-west-1").start()
    try:
        yield moto
    finally:
        moto.stop()


@pytest.fixture
def deployment(emulator: MotoEmulator, tmp_path: Path) -> Iterator[LocalReports]:
    """A fresh queue, dead-letter queue and (versioned) bucket; the test starts the API and
    workers it needs, and they are all stopped here, by pid."""
    reports = LocalReports(
        emulator,
        tmp_path,
        name=f"t{uuid.uuid4().hex[:12]}",
        settings=dict(FAST_SETTINGS),
        max_receives=MAX_RECEIVES,
        versioned_bucket=True,
    )
    reports.create_resources()
    try:
        yield reports
    finally:
        reports.stop()
