"""The queue worker's handler for job messages: parse, process, give up."""

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from stack.libs.jobs.model import JobMessage
from stack.libs.jobs.service import JobService
from stack.libs.queue_worker import UnreadableMessage


class JobHandler:
    def __init__(self, jobs: JobService[Any, Any]) -> None:
        self.jobs = jobs

    def parse(self, body: str) -> JobMessage[Any]:
        try:
            return self.jobs.kind.message_model.model_validate_json(body)
        except ValidationError as invalid:
            raise UnreadableMessage(str(invalid)) from invalid

    def describe(self, message: JobMessage[Any]) -> Mapping[str, Any]:
        return {"job_id": message.job_id}

    def handle(self, message: JobMessage[Any]) -> Mapping[str, Any]:
        return {"state": self.jobs.process(message).state.value}

    def give_up(self, message: JobMessage[Any], reason: str) -> None:
        self.jobs.fail(message, reason)
