import os
import signal
import subprocess
import sys
import textwrap
import time
from functools import partial
from pathlib import Path

import pytest

from stack.local.processes import (
    ManagedProcess,
    ProcessFailed,
    ProcessGroup,
    listening_socket,
    stop_together,
    wait_until,
)


def python_child(tmp_path: Path, name: str, code: str, **kwargs) -> ManagedProcess:
    return ManagedProcess(name, [sys.executable, "-c", textwrap.dedent(code)], tmp_path / f"{name}.log", **kwargs)


def pid_alive(pid: int) -> bool:
    """True while the process runs; a zombie (exited, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def is_up(child: ManagedProcess) -> bool:
    return "up" in child.log_text()


def test_stop_terminates_gracefully(tmp_path: Path) -> None:
    child = python_child(
        tmp_path,
        "polite",
        """
        import signal, sys, time
        signal.signal(signal.SIGTERM, lambda *_: (print("bye", flush=True), sys.exit(0)))
        print("up", flush=True)
        time.sleep(60)
        """,
    ).start()
    child.wait_ready(lambda: "up" in child.log_text(), timeout=10)
    assert child.stop(timeout=10) == 0
    assert "bye" in child.log_text()


def test_stop_kills_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    child = python_child(
        tmp_path,
        "stubborn",
        """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("up", flush=True)
        time.sleep(60)
        """,
    ).start()
    child.wait_ready(lambda: "up" in child.log_text(), timeout=10)
    assert child.stop(timeout=0.5) == -signal.SIGKILL
    assert not pid_alive(child.pid)


def test_wait_ready_reports_an_early_exit_with_the_log(tmp_path: Path) -> None:
    child = python_child(tmp_path, "broken", "raise SystemExit('config missing: REPORTS_QUEUE_URL')").start()
    with pytest.raises(ProcessFailed, match="config missing: REPORTS_QUEUE_URL"):
        child.wait_ready(lambda: False, timeout=10)


def test_group_stops_in_reverse_order(tmp_path: Path) -> None:
    order = tmp_path / "order.txt"
    code = """
        import signal, sys, time
        def bye(*_):
            with open(sys.argv[1], "a") as f:
                f.write(sys.argv[2] + "\\n")
            sys.exit(0)
        signal.signal(signal.SIGTERM, bye)
        print("up", flush=True)
        time.sleep(60)
        """
    with ProcessGroup() as group:
        for name in ("emulator", "api", "worker"):
            child = group.add(
                ManagedProcess(name, [sys.executable, "-c", textwrap.dedent(code), str(order), name], tmp_path / name)
            ).start()
            child.wait_ready(partial(is_up, child), timeout=10)
    assert order.read_text().split() == ["worker", "api", "emulator"]


def test_a_passed_socket_serves_on_its_port(tmp_path: Path) -> None:
    sock = listening_socket()
    port = sock.getsockname()[1]
    child = python_child(
        tmp_path,
        "server",
        f"""
        import socket
        server = socket.socket(fileno={sock.fileno()})
        connection, _ = server.accept()
        connection.sendall(b"hello")
        """,
        pass_fds=[sock.fileno()],
    ).start()
    sock.close()
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        assert client.recv(5) == b"hello"
    child.wait(timeout=10)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux-only")
def test_children_die_with_a_killed_parent(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    parent = subprocess.Popen(
        [  # noqa: S603 - this interpreter and a script of ours
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import sys, time
                from pathlib import Path
                from stack.local.processes import ManagedProcess
                child = ManagedProcess("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"],
                                       Path({str(tmp_path / "sleeper.log")!r})).start()
                # Written whole, then renamed: the test never reads a half-written file.
                Path({str(pid_file) + ".tmp"!r}).write_text(str(child.pid))
                Path({str(pid_file) + ".tmp"!r}).rename({str(pid_file)!r})
                time.sleep(60)
                """),
        ],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        grandchild = wait_until(lambda: int(pid_file.read_text()) if pid_file.exists() else None, 20, what="child pid")
        parent.kill()  # no cleanup code runs in the parent
        parent.wait(10)
        wait_until(lambda: not pid_alive(grandchild), 10, what="the orphan to exit")
    finally:
        parent.kill()
        parent.wait(10)


def test_wait_until_is_bounded() -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="the impossible"):
        wait_until(lambda: None, timeout=0.3, what="the impossible")
    assert time.monotonic() - started < 5


SLOW_TO_STOP = """
    import signal, sys, time
    def on_term(*_):
        print("term", time.time(), flush=True)
        time.sleep(1)  # finishing the job in hand
        print("exit", time.time(), flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, on_term)
    print("up", flush=True)
    while True:
        time.sleep(0.1)
"""


def test_stop_together_signals_every_child_before_waiting_for_any(tmp_path: Path) -> None:
    children = [python_child(tmp_path, f"worker-{i}", SLOW_TO_STOP).start() for i in range(3)]
    for child in children:
        wait_until(partial(is_up, child), 10, what="child up")
    stop_together(children, timeout=10)
    assert all(not pid_alive(child.pid) for child in children)
    stamps: dict[str, list[float]] = {"term": [], "exit": []}
    for child in children:
        for line in child.log_text().split("\n"):
            kind, _, stamp = line.partition(" ")
            if kind in stamps:
                stamps[kind].append(float(stamp))
    # Every child was told to stop before the first one had finished stopping.
    assert len(stamps["term"]) == 3 and len(stamps["exit"]) == 3
    assert max(stamps["term"]) < min(stamps["exit"])
