"""The [[ cookiecutter.service_name ]] module's public facade: the only part other modules may import."""

[% if cookiecutter.has_api == "yes" %]from [[ cookiecutter.service_name ]].backend.public.client import [[ cookiecutter.service_class ]]Client, TaskNotFound
[% endif %]from [[ cookiecutter.service_name ]].backend.public.publisher import [[ cookiecutter.service_class ]]Publisher
from [[ cookiecutter.service_name ]].backend.schemas import [[ cookiecutter.service_class ]]Job, JobState, TaskRequest, TaskResult

__all__ = [
[% if cookiecutter.has_api == "yes" %]    "[[ cookiecutter.service_class ]]Client",
[% endif %]    "[[ cookiecutter.service_class ]]Job",
    "[[ cookiecutter.service_class ]]Publisher",
    "JobState",
[% if cookiecutter.has_api == "yes" %]    "TaskNotFound",
[% endif %]    "TaskRequest",
    "TaskResult",
]
