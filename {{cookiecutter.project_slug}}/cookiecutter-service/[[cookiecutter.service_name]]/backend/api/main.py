"""Entry point of the API server PEX (stack.libs.http.serve runs uvicorn)."""

from stack.libs.http import serve


def main() -> None:
    serve("[[ cookiecutter.service_name ]].backend.api.app:app")


if __name__ == "__main__":
    main()
