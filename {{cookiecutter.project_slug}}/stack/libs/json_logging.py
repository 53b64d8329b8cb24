"""Structured JSON logs on stdout, one object per line, with a per-request id."""

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

# Set by the API for each request and by the worker for each message, so every line
# logged while handling it carries the same id.
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has, plus uvicorn's ANSI-coloured duplicate of the message.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current_id = request_id.get()
        if current_id is not None:
            entry["request_id"] = current_id
        # Fields passed with logger.info(..., extra={...}).
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", stream=None, uvicorn_access_log: bool = False) -> None:
    """Route the root logger (and uvicorn's) to one JSON handler.

    uvicorn's access log is off by default: a service logs each request itself, with its
    request id and duration (stack.libs.request_ids.RequestIdMiddleware).
    """
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").propagate = uvicorn_access_log
