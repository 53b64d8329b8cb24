"""Entry point of the worker PEX: consume the [[ cookiecutter.service_name ]] queue until SIGTERM or Ctrl-C
(stack.libs.jobs.wiring.run_job_worker: the loop, retries and shutdown bound are the platform's).
[%- if cookiecutter.has_database == "yes" %]

``queue-worker.pex migrate [upgrade [REV] | downgrade REV]`` runs the database migrations
instead (the deploy's one-off task, before the services are updated: docs/database.md).
[%- endif %]"""
[% if cookiecutter.has_database == "yes" %]
import sys

from [[ cookiecutter.service_name ]].backend.database.wiring import MIGRATIONS, worker_jobs
from [[ cookiecutter.service_name ]].backend.settings import [[ cookiecutter.service_class ]]Settings
from stack.libs.database import database_engine
from stack.libs.jobs.wiring import run_job_worker
from stack.libs.json_logging import configure_logging


def main() -> None:
    settings = [[ cookiecutter.service_class ]]Settings()
    if sys.argv[1:2] == ["migrate"]:
        configure_logging(settings.log_level)
        sys.exit(MIGRATIONS.run(database_engine(settings), sys.argv[2:]))
    run_job_worker(worker_jobs(settings), settings)
[%- else %]
from [[ cookiecutter.service_name ]].backend.service import JOBS
from [[ cookiecutter.service_name ]].backend.settings import [[ cookiecutter.service_class ]]Settings
from stack.libs.jobs.wiring import run_job_worker


def main() -> None:
    run_job_worker(JOBS, [[ cookiecutter.service_class ]]Settings())
[%- endif %]


if __name__ == "__main__":
    main()
