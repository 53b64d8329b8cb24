"""The reports module's data contract, shared by the API, the worker and the public package."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from stack.libs.jobs import Job

MAX_VALUES = 10_000

# JSON has no NaN or infinity, and a summary of them means nothing: refuse them at the door.
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


class ReportRequest(BaseModel):
    """Work to do: summarise a list of numbers under a title."""

    # strict: a value of the wrong JSON type (true for a number, "1" for 1) is refused. The
    # example is what the docs show and what the local runtime's demo submits.
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"title": "quarterly sales", "values": [120.5, 98.25, 143.0, 110.75]}]},
    )

    title: str = Field(min_length=1, max_length=200)
    values: list[FiniteFloat] = Field(min_length=1, max_length=MAX_VALUES)


class ReportSummary(BaseModel):
    count: int
    total: float
    mean: float
    minimum: float
    maximum: float


class ReportJob(Job[ReportRequest, ReportSummary]):
    """A report job as the API shows it."""
