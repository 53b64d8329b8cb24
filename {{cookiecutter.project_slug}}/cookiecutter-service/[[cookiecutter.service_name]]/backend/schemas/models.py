"""The [[ cookiecutter.service_name ]] module's data contract, shared by the API, the worker and the public package.

The example job counts the words of a text: replace it with the module's real work.
"""

from pydantic import BaseModel, ConfigDict, Field

from stack.libs.jobs import Job


class TaskRequest(BaseModel):
    """Work to do: a text to count."""

    # strict: a value of the wrong JSON type (a number for a string) is refused. The example
    # is what the docs show and what the local runtime's demo submits.
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"text": "the quick brown fox"}]}
    )

    text: str = Field(min_length=1, max_length=100_000)


class TaskResult(BaseModel):
    words: int
    characters: int


class [[ cookiecutter.service_class ]]Job(Job[TaskRequest, TaskResult]):
    """A [[ cookiecutter.service_name ]] job as the API shows it."""
