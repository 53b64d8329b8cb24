"""What a module says about its jobs: the request it accepts, the result it stores, the work."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from pydantic import BaseModel

from stack.libs.jobs.model import Job, JobMessage, RequestT, ResultT


class JobRefused(Exception):
    """Raised by a job's work when its input can never succeed: the job fails at once, with
    this message, instead of being retried."""


@dataclass(frozen=True)
class JobKind(Generic[RequestT, ResultT]):
    """``work`` turns a request into a result. It may raise ``JobRefused`` (or one of
    ``refused``) for input the business rules reject; any other error is retried.

    ``keyed_work``, when set, is called instead of ``work`` with the job's id too: work that
    writes (a database row keyed by the id) uses it to make a redelivered message a no-op.
    """

    name: str
    request_model: type[RequestT]
    result_model: type[ResultT]
    job_model: type[Job[Any, Any]]
    work: Callable[[RequestT], ResultT]
    refused: tuple[type[Exception], ...] = ()
    keyed_work: Callable[[str, RequestT], ResultT] | None = None

    def run(self, job_id: str, request: RequestT) -> ResultT:
        return self.keyed_work(job_id, request) if self.keyed_work else self.work(request)

    @property
    def message_model(self) -> type[JobMessage[Any]]:
        return JobMessage[self.request_model]  # type: ignore[name-defined]

    def job(self, **fields: Any) -> Job[Any, Any]:
        return self.job_model(**fields)

    def parse_job(self, data: bytes | str) -> Job[Any, Any]:
        return self.job_model.model_validate_json(data)

    def request_equal(self, first: BaseModel, second: BaseModel) -> bool:
        return first.model_dump(mode="json") == second.model_dump(mode="json")
