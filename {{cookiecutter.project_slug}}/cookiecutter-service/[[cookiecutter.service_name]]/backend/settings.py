"""Settings of the [[ cookiecutter.service_name ]] module, read from [[ cookiecutter.env_prefix ]]* environment variables."""

from pydantic_settings import SettingsConfigDict

from stack.libs.settings import ServiceSettings


class [[ cookiecutter.service_class ]]Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="[[ cookiecutter.env_prefix ]]", extra="ignore", frozen=True)

    queue_url: str = "http://127.0.0.1:5000/123456789012/[[ cookiecutter.service_name.replace('_', '-') ]]-tasks"
    bucket_name: str = "[[ cookiecutter.service_name.replace('_', '-') ]]-results"
    # Worker: long-poll wait (0-20 s) and messages per receive (1-10).
    receive_wait_seconds: int = 20
    receive_batch_size: int = 10
    # Worker: after SIGTERM, exit at the latest after this long; the service stack sets it
    # below ECS's SIGKILL (stack/infra/service_stack.py, worker_shutdown_seconds).
    shutdown_timeout_seconds: float = 25.0
