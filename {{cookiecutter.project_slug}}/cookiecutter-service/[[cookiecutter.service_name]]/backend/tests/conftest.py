"""What the platform's suites (stack.reliability) need to know about the [[ cookiecutter.service_name ]] module."""

import pytest

from stack.reliability.target import ReliabilityTarget


def task_request(index: int) -> dict:
    """A distinct, checkable task: ``index % 5 + 1`` words."""
    return {"text": " ".join(f"word{index}" for _ in range(index % 5 + 1))}


def counted(request: dict, job: dict) -> bool:
    return job["result"] == {"words": len(request["text"].split()), "characters": len(request["text"])}


@pytest.fixture(scope="session")
def reliability_target() -> ReliabilityTarget:
    return ReliabilityTarget(
        module="[[ cookiecutter.service_name ]]",
        jobs_path="/tasks",
        request=task_request,
        check_result=counted,
    )
