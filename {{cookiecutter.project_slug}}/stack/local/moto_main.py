"""Runs moto's AWS emulator as a server on loopback: ``python -m stack.local.moto_main``.

Binds port 0 (or ``--port``) so parallel runs never collide, then writes the port it got to
``--port-file`` (written to a temporary name and renamed, so a reader never sees half a
number). Stops on SIGTERM or SIGINT.
"""

import argparse
import os
import signal
import threading
from pathlib import Path

# moto's server mode runs on flask, which moto imports lazily: importing it here lets Pants
# infer the dependency (and fails at once, by name, if a resolve lacks it).
import flask  # noqa: F401
import flask_cors  # noqa: F401
from moto.server import ThreadedMotoServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path)
    args = parser.parse_args(argv)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(f"moto server listening on http://{args.host}:{port}", flush=True)
    if args.port_file:
        partial = args.port_file.with_suffix(".partial")
        partial.write_text(str(port))
        os.replace(partial, args.port_file)
    try:
        stop.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
