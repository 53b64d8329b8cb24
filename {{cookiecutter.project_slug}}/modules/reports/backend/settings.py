"""Settings of the reports module, read from REPORTS_* environment variables (the fields
every module shares are in stack.libs.settings.JobServiceSettings)."""

from pydantic_settings import SettingsConfigDict

from stack.libs.settings import JobServiceSettings


class ReportsSettings(JobServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTS_", extra="ignore", frozen=True)

    # Local defaults; the local runtime and the service stack set both.
    queue_url: str = "http://127.0.0.1:5000/123456789012/reports-jobs"
    bucket_name: str = "reports-results"
