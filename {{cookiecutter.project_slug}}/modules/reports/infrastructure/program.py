"""The reports module's infrastructure (see stack/infra/service_stack.py)."""

from pathlib import Path

from stack.infra.service_stack import ServiceSpec, deploy
from stack.module_toml import load_declaration

SERVICE = ServiceSpec(
    name="reports",
    env_prefix="REPORTS_",
    has_api=True,
    has_worker=True,
    # Its queue and the modules it uses, as the local runtime reads them too.
    declaration=load_declaration(Path(__file__).resolve().parents[1]),
)


def main() -> None:
    deploy(SERVICE)
