"""The [[ cookiecutter.service_name ]] module's kind of job.

Submitting, queueing, retrying and storing are the platform's (stack.libs.jobs).
"""

from [[ cookiecutter.service_name ]].backend.schemas import [[ cookiecutter.service_class ]]Job, TaskRequest, TaskResult
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
