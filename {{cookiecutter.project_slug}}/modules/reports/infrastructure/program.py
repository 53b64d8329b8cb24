"""The reports module's infrastructure: API service, worker, job queue, results bucket.

Everything a service stack creates is in stack.infra.service_stack; this module only says
what the reports module is made of.
"""

from stack.infra.service_stack import ServiceSpec, deploy

REPORTS = ServiceSpec(name="reports", env_prefix="REPORTS_", has_api=True, has_worker=True)


def main() -> None:
    deploy(REPORTS)
