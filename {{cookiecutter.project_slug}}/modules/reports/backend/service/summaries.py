"""The business rule of the example module: summarise a list of numbers."""

from collections.abc import Sequence

from reports.backend.schemas import ReportSummary


def summarise(values: Sequence[float]) -> ReportSummary:
    if not values:
        raise ValueError("cannot summarise an empty list of values")
    total = float(sum(values))
    return ReportSummary(
        count=len(values),
        total=total,
        mean=total / len(values),
        minimum=min(values),
        maximum=max(values),
    )
