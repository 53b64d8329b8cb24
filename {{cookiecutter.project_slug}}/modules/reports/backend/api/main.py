"""Entry point of the API server PEX: serves the app with uvicorn.

Listens on HOST:PORT, or on an already bound socket inherited as file descriptor
LISTEN_FD (the local runtime and the tests bind port 0 and hand the socket over, so no
other process can take the port in between).
"""

import os
import socket

import uvicorn


def main() -> None:
    config = uvicorn.Config(
        "reports.backend.api.app:app",
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        log_config=None,  # keep the JSON logging that create_app() set up
        access_log=False,  # RequestIdMiddleware logs each request with its id instead
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    listen_fd = os.environ.get("LISTEN_FD")
    if listen_fd:
        # Not uvicorn's own `fd=`: it wraps the descriptor as a UNIX socket, so asyncio skips
        # TCP_NODELAY and every answer waits ~40 ms on Nagle's algorithm and delayed ACKs.
        server.run(sockets=[socket.socket(fileno=int(listen_fd))])
    else:
        server.run()


if __name__ == "__main__":
    main()
