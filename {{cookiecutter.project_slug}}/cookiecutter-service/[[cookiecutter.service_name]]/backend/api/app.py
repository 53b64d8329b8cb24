"""The [[ cookiecutter.service_name ]] HTTP API: ``create_app()`` builds it, ``app`` is what uvicorn serves.

What every service answers (health, readiness, limits, errors, request ids, tracing) comes
from stack.libs.http; the module's own routes are in routes.py.
"""

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter

from [[ cookiecutter.service_name ]].backend.api.dependencies import readiness
from [[ cookiecutter.service_name ]].backend.api.routes import SUMMARY, router
from [[ cookiecutter.service_name ]].backend.settings import [[ cookiecutter.service_class ]]Settings
from stack.libs.http import create_service_app


def create_app(settings: [[ cookiecutter.service_class ]]Settings | None = None, span_exporter: SpanExporter | None = None) -> FastAPI:
    """The app as ``settings`` configure it (default: from the environment)."""
    return create_service_app(
        title="[[ cookiecutter.service_name ]]",
        summary=SUMMARY,
        settings=settings or [[ cookiecutter.service_class ]]Settings(),
        routers=[router],
        readiness=readiness,
        span_exporter=span_exporter,
    )


app = create_app()
