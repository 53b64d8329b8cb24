"""The real worker (entry point, consumer, signal handling) with jobs whose title scripts
a fault, for the reliability tests:

    "slow:<seconds> ..."   the job takes that long before its result is stored
    "always-fail ..."      every attempt fails, as if the store were unreachable

Run as ``python -m reports.backend.tests.reliability.scripted_worker``.
"""

import time

from reports.backend.schemas import Job, JobMessage
from reports.backend.service import ReportJobs
from reports.backend.worker.main import main


class ScriptedJobs(ReportJobs):
    def process(self, message: JobMessage) -> Job:
        title = message.request.title
        if title.startswith("always-fail"):
            raise ConnectionError("scripted failure: the store is unreachable")
        if title.startswith("slow:"):
            time.sleep(float(title.split()[0].removeprefix("slow:")))
        return super().process(message)


if __name__ == "__main__":
    main(make_jobs=ScriptedJobs)
