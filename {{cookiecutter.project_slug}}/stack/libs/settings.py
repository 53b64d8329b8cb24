"""Settings every service shares, read from environment variables."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
