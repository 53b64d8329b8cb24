"""``create_service_app``: the FastAPI app of a module, with what every service answers.

- ``/health`` (liveness) and ``/ready`` (the module's readiness checks, 503 naming the
  failing one);
- a body size limit (413 without reading the rest), 422 answers that name the field
  (FastAPI's shape, safe for any input), request ids and tracing;
- the platform's job errors as answers: unknown job 404, Idempotency-Key reused with
  another request 422, a job that could not be queued 503 with Retry-After;
- every error status it can answer documented in the OpenAPI schema of every route;
- /docs and /openapi.json only where ``docs_enabled`` (off in prod by default).
"""

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry.sdk.trace.export import SpanExporter
from pydantic import BaseModel

from stack.libs.http.body_limit import BodySizeLimitMiddleware
from stack.libs.http.validation import validation_error_answer
from stack.libs.jobs import IdempotencyKeyReused, JobNotFound, JobNotQueued
from stack.libs.json_logging import configure_logging
from stack.libs.request_ids import RequestIdMiddleware
from stack.libs.settings import ServiceSettings
from stack.libs.tracing import enable_tracing

logger = logging.getLogger(__name__)

# A name and a check that raises when the dependency it checks cannot be reached.
ReadinessCheck = tuple[str, Callable[[], None]]
RETRY_AFTER_SECONDS = 5


class ErrorAnswer(BaseModel):
    """What every error answer except 422 looks like."""

    detail: str


def _documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    described = {
        # FastAPI's answer to a body it cannot decode at all (bytes that are not UTF-8).
        400: "The request body could not be decoded.",
        404: "No such resource.",
        413: "The request body is larger than the service accepts.",
        503: "A dependency of the service cannot be reached; retry after the Retry-After header's seconds.",
    }
    return {code: {"model": ErrorAnswer, "description": described[code]} for code in codes}


def _answer(code: int, detail: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=code, content={"detail": detail}, headers=dict(headers or {}))


async def _not_found(_request: Request, error: Exception) -> JSONResponse:
    return _answer(status.HTTP_404_NOT_FOUND, str(error))


async def _key_reused(_request: Request, error: Exception) -> JSONResponse:
    detail = [{"loc": ["header", "idempotency-key"], "msg": str(error), "type": "idempotency_key_reused"}]
    return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_ENTITY, content={"detail": detail})


async def _not_queued(_request: Request, error: Exception) -> JSONResponse:
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return _answer(status.HTTP_503_SERVICE_UNAVAILABLE, "the job could not be queued; retry", retry)


def create_service_app(
    *,
    title: str,
    summary: str,
    settings: ServiceSettings,
    routers: Sequence[APIRouter],
    readiness: Callable[..., Awaitable[Sequence[ReadinessCheck]]] | None = None,
    span_exporter: SpanExporter | None = None,
) -> FastAPI:
    """``readiness`` is a FastAPI dependency giving the checks ``/ready`` runs (so tests
    that replace a module's dependencies replace what it checks too); ``span_exporter``
    turns tracing on with that exporter (tests), otherwise it is on where the platform
    configures it."""
    configure_logging(settings.log_level)
    docs = settings.docs_enabled
    app = FastAPI(
        title=title,
        summary=summary,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings

    @app.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the process serves requests."""
        return {"status": "ok"}

    async def no_checks() -> Sequence[ReadinessCheck]:
        return ()

    @app.get("/ready", responses=_documented(503))
    def ready(checks: Annotated[Sequence[ReadinessCheck], Depends(readiness or no_checks)]) -> JSONResponse:
        """Readiness: every dependency the service needs answers."""
        for name, check in checks:
            try:
                check()
            except Exception as error:  # any client or network error means "not ready"
                logger.warning("not ready", extra={"dependency": name, "error": str(error)})
                retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
                return _answer(status.HTTP_503_SERVICE_UNAVAILABLE, f"{name} unreachable", retry)
        return JSONResponse({"status": "ready"})

    for router in routers:
        app.include_router(router, responses=_documented(400, 404, 413, 503))
    app.add_exception_handler(RequestValidationError, validation_error_answer)
    app.add_exception_handler(JobNotFound, _not_found)
    app.add_exception_handler(IdempotencyKeyReused, _key_reused)
    app.add_exception_handler(JobNotQueued, _not_queued)
    # Added last runs first: the request id covers the 413 answer too.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    enable_tracing(app, exporter=span_exporter)
    return app
