"""The business rule of the example module: summarise a list of numbers."""

import math
from collections.abc import Sequence

from reports.backend.schemas import ReportSummary


def summarise(values: Sequence[float]) -> ReportSummary:
    if not values:
        raise ValueError("cannot summarise an empty list of values")
    total = float(sum(values))
    if not math.isfinite(total):
        # Finite inputs can still add up past the largest float (e.g. 1e308 + 1e308).
        raise ValueError("the values add up to more than a float can hold")
    return ReportSummary(
        count=len(values),
        total=total,
        mean=total / len(values),
        minimum=min(values),
        maximum=max(values),
    )
