"""How every worker process stops: on the first SIGTERM or SIGINT it stops taking new work
and finishes what it has; if that takes longer than its shutdown bound, it exits anyway.

The bound is what the infrastructure expects (``<PREFIX>SHUTDOWN_TIMEOUT_SECONDS``, set by
stack/infra/service_stack.py below ECS's SIGKILL), so the platform's kill is never needed.
Work cut short by the bound is redelivered by the queue, so nothing is lost.
"""

import logging
import os
import signal
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

EXIT_SHUTDOWN_TIMEOUT = 3


def exit_now() -> None:
    logger.error("shutdown took too long; exiting, unfinished messages will be redelivered")
    logging.shutdown()
    os._exit(EXIT_SHUTDOWN_TIMEOUT)


def run_until_signalled(
    run: Callable[[threading.Event], None],
    shutdown_timeout: float,
    on_timeout: Callable[[], None] = exit_now,
) -> None:
    """Calls ``run(stop)`` in this (the main) thread; ``stop`` is set by the first signal,
    and ``on_timeout`` runs if ``run`` has not returned ``shutdown_timeout`` seconds later."""
    stop = threading.Event()
    deadline: threading.Timer | None = None

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal deadline
        if stop.is_set():
            return
        logger.info("stopping: no new work, finishing the work in hand", extra={"signal": signum})
        stop.set()
        deadline = threading.Timer(shutdown_timeout, on_timeout)
        deadline.daemon = True
        deadline.start()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        run(stop)
    finally:
        if deadline is not None:
            deadline.cancel()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
