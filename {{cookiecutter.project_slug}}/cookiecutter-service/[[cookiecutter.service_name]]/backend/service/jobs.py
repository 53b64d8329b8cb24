"""The [[ cookiecutter.service_name ]] module's kind of job.

Submitting, queueing, retrying and storing are the platform's (stack.libs.jobs).
"""
[% if cookiecutter.has_database == "yes" %]
from dataclasses import replace
from typing import Any
[% endif %]
from [[ cookiecutter.service_name ]].backend.schemas import [[ cookiecutter.service_class ]]Job, TaskRequest, TaskResult
[%- if cookiecutter.has_database == "yes" %]
from [[ cookiecutter.service_name ]].backend.service.records import WordCountLog
[%- endif %]
from [[ cookiecutter.service_name ]].backend.service.words import count_words
from stack.libs.jobs import JobKind

JOBS = JobKind(
    name="[[ cookiecutter.service_name ]]",
    request_model=TaskRequest,
    result_model=TaskResult,
    job_model=[[ cookiecutter.service_class ]]Job,
    work=count_words,
    # Errors of input no retry can fix; raise stack.libs.jobs.JobRefused for your own.
    refused=(ValueError,),
)
[%- if cookiecutter.has_database == "yes" %]


def recording_jobs(log: WordCountLog) -> JobKind[Any, Any]:
    """The jobs as the worker runs them: count, then record the count in the database, once
    per job id (a message delivered again after a crash writes nothing new)."""

    def count_and_record(job_id: str, request: TaskRequest) -> TaskResult:
        result = count_words(request)
        log.record(job_id, result)
        return result

    return replace(JOBS, keyed_work=count_and_record)
[%- endif %]
