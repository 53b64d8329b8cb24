"""The [[ cookiecutter.service_name ]] module's infrastructure (see stack/infra/service_stack.py)."""

from stack.infra.service_stack import ServiceSpec, deploy

SERVICE = ServiceSpec(
    name="[[ cookiecutter.service_name ]]",
    env_prefix="[[ cookiecutter.env_prefix ]]",
    has_api=[[ "True" if cookiecutter.has_api == "yes" else "False" ]],
    has_worker=[[ "True" if cookiecutter.has_worker == "yes" else "False" ]],
)


def main() -> None:
    deploy(SERVICE)
