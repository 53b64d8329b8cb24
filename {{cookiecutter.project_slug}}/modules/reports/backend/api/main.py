"""Entry point of the API server PEX: serves the app with uvicorn."""

import os

import uvicorn


def main() -> None:
    uvicorn.run(
        "reports.backend.api.app:app",
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        log_config=None,  # keep the JSON logging that create_app() set up
        access_log=False,
    )


if __name__ == "__main__":
    main()
