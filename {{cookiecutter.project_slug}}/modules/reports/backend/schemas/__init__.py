from reports.backend.schemas.reports import (
    MAX_VALUES,
    Job,
    JobMessage,
    JobState,
    ReportRequest,
    ReportSummary,
)

__all__ = ["MAX_VALUES", "Job", "JobMessage", "JobState", "ReportRequest", "ReportSummary"]
