"""Child processes of the local runtime and of tests that use real servers.

Every child runs in its own session, so a Ctrl-C in the terminal reaches only the parent,
which then stops the children in order (the worker first, so it can finish its jobs). A
child is stopped by its pid: SIGTERM, a bounded wait, then SIGKILL. On Linux a child also
gets SIGTERM from the kernel if the parent dies without cleaning up, so no server is left
behind even when the parent is killed with SIGKILL.
"""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, TypeVar

T = TypeVar("T")


class ProcessFailed(RuntimeError):
    """A child exited or did not become ready in time; the message ends with its log tail."""


def wait_until(check: Callable[[], T | None], timeout: float, interval: float = 0.05, what: str = "condition") -> T:
    """Poll ``check`` until it returns something other than None/False, at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result is not None and result is not False:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(interval)


def python_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child ``sys.executable -m ...`` that imports what we import.

    Under Pants (a PEX or a test sandbox) this process's packages are on ``sys.path`` but not
    necessarily in the interpreter's own site-packages, so the path is handed down.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(entry for entry in sys.path if entry)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def listening_socket(host: str = "127.0.0.1") -> socket.socket:
    """A socket bound to a free port on loopback and listening, to pass to a server child.

    Handing the bound socket over (instead of a port number to bind again) means no other
    process can take the port in between.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def _die_with_parent() -> None:
    # prctl(PR_SET_PDEATHSIG, SIGTERM): the kernel signals us when our parent exits.
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


class ManagedProcess:
    """One child process with its output in a log file."""

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        pass_fds: Iterable[int] = (),
    ) -> None:
        self.name = name
        self.args = list(args)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.pass_fds = tuple(pass_fds)
        self.popen: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        if self.popen is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self.popen.pid

    def start(self) -> "ManagedProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # closed in stop()
        self.popen = subprocess.Popen(
            self.args,  # noqa: S603 - our own interpreter and arguments
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            pass_fds=self.pass_fds,
            start_new_session=True,
            # Runs between fork and exec: only a prctl call, no locks taken.
            preexec_fn=_die_with_parent,
        )
        return self

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def wait_ready(self, check: Callable[[], T | None], timeout: float) -> T:
        """Poll ``check`` until it succeeds; fail early, with the log, if the child exits."""

        def ready_or_dead() -> T | None:
            if not self.running():
                raise ProcessFailed(f"{self.name} exited with code {self.returncode()}:\n{self.log_tail()}")
            with contextlib.suppress(Exception):  # e.g. not listening yet: not ready
                return check()
            return None

        try:
            return wait_until(ready_or_dead, timeout, what=f"{self.name} to be ready")
        except TimeoutError as error:
            raise ProcessFailed(f"{error}; its log ends with:\n{self.log_tail()}") from error

    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def signal(self, signum: int) -> None:
        if self.running():
            os.kill(self.pid, signum)

    def wait(self, timeout: float) -> int:
        """Wait for the child to exit by itself; raise TimeoutError after ``timeout`` s."""
        if self.popen is None:
            raise RuntimeError(f"{self.name} has not been started")
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired as expired:
            raise TimeoutError(f"{self.name} (pid {self.pid}) still running after {timeout:.1f} s") from expired

    def stop(self, timeout: float = 10.0, *, terminate: bool = True) -> int | None:
        """SIGTERM (unless already sent: ``terminate=False``), wait up to ``timeout`` s,
        then SIGKILL. Safe to call twice."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            if terminate:
                self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.popen.returncode

    def kill(self) -> None:
        """SIGKILL: the child gets no chance to clean up (a crash, an OOM kill)."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(5)


def stop_together(processes: Sequence["ManagedProcess"], timeout: float) -> None:
    """SIGTERM every one at once, wait for all within one ``timeout``, SIGKILL the rest:
    one after another would take the sum of their shutdowns."""
    for process in processes:
        process.signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        # A second SIGTERM would interrupt a child's shutdown handler and restart it.
        process.stop(max(0.0, deadline - time.monotonic()), terminate=False)


class ProcessGroup:
    """Children started together and stopped in reverse order of starting."""

    def __init__(self) -> None:
        self.processes: list[ManagedProcess] = []

    def add(self, process: ManagedProcess) -> ManagedProcess:
        self.processes.append(process)
        return process

    def stop_all(self, timeout: float = 10.0) -> None:
        for process in reversed(self.processes):
            process.stop(timeout)

    def __enter__(self) -> "ProcessGroup":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()
