"""The reports HTTP API: ``create_app()`` builds it, ``app`` is what uvicorn serves."""

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from reports.backend.api.dependencies import get_settings
from reports.backend.api.errors import validation_error_answer
from reports.backend.api.middleware import BodySizeLimitMiddleware
from reports.backend.api.routes import router
from reports.backend.settings import ReportsSettings
from stack.libs.json_logging import configure_logging
from stack.libs.request_ids import RequestIdMiddleware


def create_app(settings: ReportsSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(title="reports", summary={{ (cookiecutter.project_name ~ ": report jobs") | tojson }})
    app.include_router(router)
    app.add_exception_handler(RequestValidationError, validation_error_answer)
    # Added last runs first: the request id covers the 413 answer too.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    return app


app = create_app()
