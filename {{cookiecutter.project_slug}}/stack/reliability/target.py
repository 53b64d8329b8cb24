"""What the suites need to know about a module under test."""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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

    @property
    def settings_class(self) -> Any:
        from stack.libs.settings import JobServiceSettings

        settings = importlib.import_module(f"{self.module}.backend.settings")
        (found,) = (
            value for value in vars(settings).values()
            if isinstance(value, type) and issubclass(value, JobServiceSettings) and value is not JobServiceSettings
        )  # fmt: skip
        return found
