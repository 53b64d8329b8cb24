"""Serves a module's app with uvicorn: the API server PEX's entry point calls ``serve``.

Listens on HOST:PORT, or on an already bound socket inherited as file descriptor
LISTEN_FD (the local runtime and the tests bind port 0 and hand the socket over, so no
other process can take the port in between).
"""

import os
import socket

import uvicorn

# The API's shutdown bound: stack/infra/service_stack.py (api_shutdown_seconds) sets ECS's
# stop timeout and the load balancer's draining from it.
SHUTDOWN_SECONDS = 10


def serve(app: str) -> None:
    """``app`` is the import path uvicorn loads, e.g. ``reports.backend.api.app:app``."""
    config = uvicorn.Config(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        log_config=None,  # keep the JSON logging that the app factory set up
        access_log=False,  # RequestIdMiddleware logs each request with its id instead
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
    )
    server = uvicorn.Server(config)
    listen_fd = os.environ.get("LISTEN_FD")
    if listen_fd:
        # Not uvicorn's own `fd=`: it wraps the descriptor as a UNIX socket, so asyncio skips
        # TCP_NODELAY and every answer waits ~40 ms on Nagle's algorithm and delayed ACKs.
        server.run(sockets=[socket.socket(fileno=int(listen_fd))])
    else:
        server.run()
