"""Entry point of the worker PEX: consume the reports queue until SIGTERM or Ctrl-C
(stack.libs.jobs.wiring.run_job_worker: the loop, retries and shutdown bound are the platform's)."""

from reports.backend.service import JOBS
from reports.backend.settings import ReportsSettings
from stack.libs.jobs.wiring import run_job_worker


def main() -> None:
    run_job_worker(JOBS, ReportsSettings())


if __name__ == "__main__":
    main()
