"""What the platform's suites (stack.reliability) need to know about the reports module."""

import pytest

from stack.reliability.target import ReliabilityTarget


def report_request(index: int) -> dict:
    """A distinct, checkable job: values 1..k with k = index % 7 + 1."""
    return {"title": f"report {index}", "values": [float(value) for value in range(1, index % 7 + 2)]}


def summarised(request: dict, job: dict) -> bool:
    return job["result"]["total"] == sum(request["values"]) and job["result"]["count"] == len(request["values"])


@pytest.fixture(scope="session")
def reliability_target() -> ReliabilityTarget:
    return ReliabilityTarget(module="reports", jobs_path="/reports", request=report_request, check_result=summarised)
