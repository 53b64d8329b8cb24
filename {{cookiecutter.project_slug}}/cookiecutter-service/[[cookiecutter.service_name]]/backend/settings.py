"""Settings of the [[ cookiecutter.service_name ]] module, read from [[ cookiecutter.env_prefix ]]* environment variables (the fields
every module shares are in stack.libs.settings.JobServiceSettings)."""

from pydantic_settings import SettingsConfigDict

from stack.libs.settings import JobServiceSettings
[%- if cookiecutter.has_database == "yes" %]
from stack.libs.database import DatabaseSettings
[%- endif %]


class [[ cookiecutter.service_class ]]Settings(JobServiceSettings[% if cookiecutter.has_database == "yes" %], DatabaseSettings[% endif %]):
    model_config = SettingsConfigDict(env_prefix="[[ cookiecutter.env_prefix ]]", extra="ignore", frozen=True)

    # Local defaults; the local runtime and the service stack set both.
    queue_url: str = "http://127.0.0.1:5000/123456789012/[[ cookiecutter.service_name.replace('_', '-') ]]-jobs"
    bucket_name: str = "[[ cookiecutter.service_name.replace('_', '-') ]]-results"
