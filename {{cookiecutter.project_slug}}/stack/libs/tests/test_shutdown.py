import os
import signal
import threading

from stack.libs.shutdown import run_until_signalled


def test_sigterm_sets_stop_and_the_work_in_hand_finishes() -> None:
    finished = []
    gave_up = threading.Event()
    before = signal.getsignal(signal.SIGTERM)

    def work(stop: threading.Event) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait(timeout=10)
        finished.append("the job in hand")

    run_until_signalled(work, shutdown_timeout=30, on_timeout=gave_up.set)

    assert finished == ["the job in hand"]
    assert not gave_up.is_set()
    assert signal.getsignal(signal.SIGTERM) is before  # the handlers are put back


def test_work_that_outlives_the_bound_is_cut_short() -> None:
    gave_up = threading.Event()

    def stuck(stop: threading.Event) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        # Returns only once the deadline has fired (a real worker would be exited there).
        assert gave_up.wait(timeout=10)

    run_until_signalled(stuck, shutdown_timeout=0.2, on_timeout=gave_up.set)
    assert gave_up.is_set()
