"""Entry point of the API server PEX."""

import os

import uvicorn


def main() -> None:
    uvicorn.run(
        "[[ cookiecutter.service_name ]].backend.api.app:app",
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        log_config=None,
    )


if __name__ == "__main__":
    main()
