"""Settings every service shares, read from environment variables."""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Locally and in tests only: every deployed stack hands its API its own secret.
LOCAL_IDEMPOTENCY_SECRET = "local-development-only"  # noqa: S105 - not a secret, see above


class ServiceSettings(BaseSettings):
    """Base class for a service's settings.

    Subclasses set their own ``env_prefix`` (``REPORTS_`` for the reports module), so
    ``REPORTS_QUEUE_URL`` fills ``queue_url``. The AWS fields are shared by every service
    and read without a prefix, the names the AWS SDKs already use.
    """

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    aws_region: str = Field(default="{{ cookiecutter.aws_region }}", validation_alias="AWS_REGION")
    # Set to the emulator's URL (e.g. http://127.0.0.1:5000) to run against moto locally.
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    # Interactive API docs (/docs) and the schema (/openapi.json); the prod stack turns them off.
    docs_enabled: bool = Field(default=True, validation_alias="DOCS_ENABLED")
    # API: requests with a larger body are refused with 413 before they are parsed.
    max_body_bytes: int = 1_000_000


class JobServiceSettings(ServiceSettings):
    """What a module with a job queue reads (its API and its worker); a module's settings
    class names its prefix and the local defaults of its queue and bucket."""

    queue_url: str
    bucket_name: str
    # API: the key of job ids derived from Idempotency-Keys (stack/infra sets one per stack).
    idempotency_secret: SecretStr = SecretStr(LOCAL_IDEMPOTENCY_SECRET)
    # Worker: messages per receive call (1-10) and long-poll wait (0-20 s).
    receive_batch_size: int = Field(default=10, ge=1, le=10)
    receive_wait_seconds: int = Field(default=20, ge=0, le=20)
    # Worker: how long a received message stays hidden from other workers; extended in the
    # background while it is worked, so it only matters when a worker dies.
    visibility_timeout_seconds: int = 30
    # Worker: seconds before a failed attempt is delivered again.
    retry_delay_seconds: int = 5
    # Worker: after SIGTERM, exit at the latest after this long (the service stack sets it
    # below ECS's SIGKILL: stack/infra/service_stack.py, worker_shutdown_seconds).
    shutdown_timeout_seconds: float = 25.0
    # Worker: exit (and be restarted) after the queue was unreachable this long.
    queue_give_up_seconds: float = 600.0
    # The queues of the modules this one uses (``--uses``), by module name, for their public
    # publishers: <PREFIX>USES_QUEUE_URLS='{"reports": "https://sqs..."}'. Set by the local
    # runtime and by the service stack (from the providers' stack outputs).
    uses_queue_urls: dict[str, str] = {}
