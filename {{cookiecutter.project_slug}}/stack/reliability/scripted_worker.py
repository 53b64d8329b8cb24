"""A module's real worker (its job kind, settings, the platform's loop and signal handling)
with faults scripted through the environment, for the process suite:

    FAULT_SLOW_SECONDS=0.4          every job takes that long before its result is stored
    FAULT_FAIL_REQUEST='{"...": 1}'  every attempt at a job with exactly this request fails,
                                    as if the store were unreachable
    FAULT_EXIT_AFTER_WORK=1         the process dies right after the first job's work (its
                                    database row written), before the outcome is stored and
                                    the message deleted

Run as ``python -m stack.reliability.scripted_worker <module>``.
"""

import json
import os
import sys
import time
from dataclasses import replace
from typing import Any

from stack.libs.jobs.wiring import run_job_worker
from stack.reliability.target import ReliabilityTarget


def scripted(work: Any, slow: float, fail_request: dict | None, exit_after: bool = False) -> Any:
    """``work`` (job id, request) -> result, with the faults."""

    def work_with_faults(job_id: str, request: Any) -> Any:
        if fail_request is not None and request.model_dump(mode="json") == fail_request:
            raise ConnectionError("scripted failure: the store is unreachable")
        time.sleep(slow)
        result = work(job_id, request)
        if exit_after:
            os._exit(137)  # like SIGKILL: no outcome stored, no message deleted
        return result

    return work_with_faults


def main(module: str) -> None:
    target = ReliabilityTarget(module, "", lambda _: {}, lambda *_: True)
    settings = target.settings_class()
    kind = target.worker_kind(settings)
    fail = os.environ.get("FAULT_FAIL_REQUEST")
    work = scripted(
        kind.run,
        float(os.environ.get("FAULT_SLOW_SECONDS", "0")),
        json.loads(fail) if fail else None,
        exit_after=os.environ.get("FAULT_EXIT_AFTER_WORK") == "1",
    )
    run_job_worker(replace(kind, keyed_work=work), settings)


if __name__ == "__main__":
    main(sys.argv[1])
