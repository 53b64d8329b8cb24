from reports.backend.service.jobs import JOBS
from reports.backend.service.summaries import summarise

__all__ = ["JOBS", "summarise"]
