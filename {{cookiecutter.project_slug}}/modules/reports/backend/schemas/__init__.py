from reports.backend.schemas.reports import MAX_VALUES, ReportJob, ReportRequest, ReportSummary
from stack.libs.jobs import JobMessage, JobState

__all__ = ["MAX_VALUES", "JobMessage", "JobState", "ReportJob", "ReportRequest", "ReportSummary"]
