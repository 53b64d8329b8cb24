"""The reports HTTP API: ``create_app()`` builds it, ``app`` is what uvicorn serves."""

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from opentelemetry.sdk.trace.export import SpanExporter

from reports.backend.api.dependencies import load_settings
from reports.backend.api.errors import validation_error_answer
from reports.backend.api.middleware import BodySizeLimitMiddleware
from reports.backend.api.routes import router
from reports.backend.settings import ReportsSettings
from stack.libs.json_logging import configure_logging
from stack.libs.request_ids import RequestIdMiddleware
from stack.libs.tracing import enable_tracing


def create_app(settings: ReportsSettings | None = None, span_exporter: SpanExporter | None = None) -> FastAPI:
    """``span_exporter`` turns tracing on with that exporter (tests); otherwise tracing is on
    only where the platform configures it (stack.libs.tracing)."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    app = FastAPI(title="reports", summary={{ (cookiecutter.project_name ~ ": report jobs") | tojson }})
    app.include_router(router)
    app.add_exception_handler(RequestValidationError, validation_error_answer)
    # Added last runs first: the request id covers the 413 answer too.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    enable_tracing(app, exporter=span_exporter)
    return app


app = create_app()
