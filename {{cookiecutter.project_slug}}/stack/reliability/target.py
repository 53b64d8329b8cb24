"""What the suites need to know about a module under test."""

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest


def module_settings(request: pytest.FixtureRequest) -> dict[str, str]:
    """The module's own ``module_settings`` fixture (environment variables for its API and
    worker), if its conftest.py has one: a module with a database gets a fresh, migrated
    database for each test there."""
    try:
        return dict(request.getfixturevalue("module_settings"))
    except pytest.FixtureLookupError:
        return {}


@dataclass(frozen=True)
class ReliabilityTarget:
    """``module`` is the Python package (``reports``); ``jobs_path`` the route that takes
    job requests (``/reports``; ``jobs_path/<id>`` reads one); ``request(i)`` a valid,
    distinct request body for job ``i``; ``check_result(body, job)`` whether a finished
    job's answer is right for its request."""

    module: str
    jobs_path: str
    request: Callable[[int], dict[str, Any]]
    check_result: Callable[[dict[str, Any], dict[str, Any]], bool]

    @property
    def app_module(self) -> Any:
        return importlib.import_module(f"{self.module}.backend.api.app")

    @property
    def dependencies(self) -> Any:
        return importlib.import_module(f"{self.module}.backend.api.dependencies")

    @property
    def jobs_kind(self) -> Any:
        return importlib.import_module(f"{self.module}.backend.service").JOBS

    def worker_kind(self, settings: Any) -> Any:
        """The job kind the module's worker runs: for a module with a database,
        ``<module>.backend.database.wiring.worker_jobs(settings)`` (its work writes rows),
        else the service's ``JOBS``."""
        if importlib.util.find_spec(f"{self.module}.backend.database") is not None:
            return importlib.import_module(f"{self.module}.backend.database.wiring").worker_jobs(settings)
        return self.jobs_kind

    @property
    def settings_class(self) -> Any:
        from stack.libs.settings import JobServiceSettings

        settings = importlib.import_module(f"{self.module}.backend.settings")
        (found,) = (
            value for value in vars(settings).values()
            if isinstance(value, type) and issubclass(value, JobServiceSettings) and value is not JobServiceSettings
        )  # fmt: skip
        return found
