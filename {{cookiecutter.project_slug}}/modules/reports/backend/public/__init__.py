"""The reports module's public facade: the only part other modules may import."""

from reports.backend.public.client import ReportNotFound, ReportsClient
from reports.backend.schemas import Job, JobState, ReportSummary

__all__ = ["Job", "JobState", "ReportNotFound", "ReportSummary", "ReportsClient"]
