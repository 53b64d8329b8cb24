"""The [[ cookiecutter.service_name ]] module's infrastructure (see stack/infra/service_stack.py)."""

from pathlib import Path

from stack.infra.service_stack import ServiceSpec, deploy
from stack.module_toml import load_declaration

SERVICE = ServiceSpec(
    name="[[ cookiecutter.service_name ]]",
    env_prefix="[[ cookiecutter.env_prefix ]]",
    has_api=[[ "True" if cookiecutter.has_api == "yes" else "False" ]],
    has_worker=[[ "True" if cookiecutter.has_worker == "yes" else "False" ]],
    # Its queue and the modules it uses, as the local runtime reads them too.
    declaration=load_declaration(Path(__file__).resolve().parents[1]),
)


def main() -> None:
    deploy(SERVICE)
