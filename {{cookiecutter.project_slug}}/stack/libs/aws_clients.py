"""boto3 clients that honour the shared settings (region, emulator endpoint)."""

from typing import Any

import boto3
from botocore.config import Config

from stack.libs.settings import ServiceSettings

_RETRIES = Config(retries={"max_attempts": 5, "mode": "standard"})


def aws_client(service_name: str, settings: ServiceSettings) -> Any:
    """A boto3 client for ``service_name`` ("sqs", "s3", ...).

    With ``aws_endpoint_url`` set, the client talks to that endpoint (a local emulator)
    with path-style S3 addressing, which emulators on loopback need.
    """
    config = _RETRIES
    if settings.aws_endpoint_url and service_name == "s3":
        config = config.merge(Config(s3={"addressing_style": "path"}))
    return boto3.client(
        service_name,
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
        config=config,
    )
