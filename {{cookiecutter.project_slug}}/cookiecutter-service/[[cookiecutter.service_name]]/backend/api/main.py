"""Entry point of the API server PEX."""

import os

import uvicorn


def main() -> None:
    uvicorn.run(
        "[[ cookiecutter.service_name ]].backend.api.app:app",
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        log_config=None,  # keep the JSON logging that create_app() set up
        access_log=False,  # RequestIdMiddleware logs each request with its id instead
        # The API's shutdown bound: stack/infra/service_stack.py (api_shutdown_seconds) sets
        # ECS's stop timeout and the load balancer's draining from it.
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
