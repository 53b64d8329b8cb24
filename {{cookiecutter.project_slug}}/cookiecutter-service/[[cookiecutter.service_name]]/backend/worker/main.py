"""Entry point of the worker PEX: consume the [[ cookiecutter.service_name ]] queue until SIGTERM or Ctrl-C
(stack.libs.jobs.wiring.run_job_worker: the loop, retries and shutdown bound are the platform's)."""

from [[ cookiecutter.service_name ]].backend.service import JOBS
from [[ cookiecutter.service_name ]].backend.settings import [[ cookiecutter.service_class ]]Settings
from stack.libs.jobs.wiring import run_job_worker


def main() -> None:
    run_job_worker(JOBS, [[ cookiecutter.service_class ]]Settings())


if __name__ == "__main__":
    main()
