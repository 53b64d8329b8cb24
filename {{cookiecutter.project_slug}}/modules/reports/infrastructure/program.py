"""The reports module's infrastructure (see stack/infra/service_stack.py)."""

from stack.infra.service_stack import ServiceSpec, deploy

SERVICE = ServiceSpec(
    name="reports",
    env_prefix="REPORTS_",
    has_api=True,
    has_worker=True,
)


def main() -> None:
    deploy(SERVICE)
