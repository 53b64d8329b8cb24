import pytest
from pydantic_settings import SettingsConfigDict

from stack.libs.settings import ServiceSettings


class ExampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_")

    queue_url: str = "unset"


def test_service_fields_use_their_prefix_and_aws_fields_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAMPLE_QUEUE_URL", "http://queue")
    monkeypatch.setenv("AWS_REGION", "us-east-2")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")

    settings = ExampleSettings()

    assert settings.queue_url == "http://queue"
    assert settings.aws_region == "us-east-2"
    assert settings.aws_endpoint_url == "http://127.0.0.1:5000"


def test_endpoint_defaults_to_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert ExampleSettings().aws_endpoint_url is None
