"""Settings of the reports module, read from REPORTS_* environment variables."""

from pydantic_settings import SettingsConfigDict

from stack.libs.settings import ServiceSettings


class ReportsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTS_", extra="ignore", frozen=True)

    queue_url: str = "http://127.0.0.1:5000/123456789012/reports-jobs"
    bucket_name: str = "reports-results"
    # Requests with a larger body are refused with 413 before they are parsed.
    max_body_bytes: int = 1_000_000
    # Worker: messages per receive call (1-10) and long-poll wait (0-20 s).
    receive_batch_size: int = 10
    receive_wait_seconds: int = 20
    # Worker: how long a received message stays hidden from other workers; extended in the
    # background while its job runs, so it only matters when a worker dies.
    visibility_timeout_seconds: int = 30
    # Worker: seconds before a failed attempt is delivered again.
    retry_delay_seconds: int = 5
    # Worker: after SIGTERM, exit at the latest after this long (ECS kills at 30 s).
    shutdown_timeout_seconds: float = 25.0
