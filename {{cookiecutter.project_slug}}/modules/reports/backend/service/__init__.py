from reports.backend.service.jobs import JobNotFound, JobQueue, JobStore, ReportJobs
from reports.backend.service.summaries import summarise

__all__ = ["JobNotFound", "JobQueue", "JobStore", "ReportJobs", "summarise"]
