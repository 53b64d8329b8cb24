"""The reports module's kind of job: summarise the numbers of a ``ReportRequest``.

Submitting, queueing, retrying and storing are the platform's (stack.libs.jobs).
"""

from reports.backend.schemas import ReportJob, ReportRequest, ReportSummary
from reports.backend.service.summaries import summarise
from stack.libs.jobs import JobKind


def summarise_request(request: ReportRequest) -> ReportSummary:
    return summarise(request.values)


JOBS = JobKind(
    name="reports",
    request_model=ReportRequest,
    result_model=ReportSummary,
    job_model=ReportJob,
    work=summarise_request,
    # summarise() refuses input no retry can fix (e.g. values that overflow a float).
    refused=(ValueError,),
)
