"""The reports module's public facade: the only part other modules may import."""

from reports.backend.public.client import ReportNotFound, ReportsClient
from reports.backend.public.publisher import ReportsPublisher
from reports.backend.schemas import JobState, ReportJob, ReportRequest, ReportSummary

__all__ = [
    "JobState",
    "ReportJob",
    "ReportNotFound",
    "ReportRequest",
    "ReportSummary",
    "ReportsClient",
    "ReportsPublisher",
]
