"""The request id every service carries from an HTTP request, through its queue, into the
worker's log lines.

- ``RequestIdMiddleware`` (ASGI) takes ``X-Request-ID`` from the caller or makes one, echoes
  it on the response and logs one line per request with it;
- ``request_id_attributes()`` gives the SQS message attributes that carry the current id,
  for ``send_message(..., MessageAttributes=...)``;
- ``request_id_of(message)`` sets the id of a received SQS message for the log lines of its
  work (receive with ``MessageAttributeNames=[REQUEST_ID_ATTRIBUTE]``).

Plain ASGI, no framework imports, so every resolve can build it.
"""

import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from typing import Any

from stack.libs.json_logging import request_id

# SQS message attribute that carries the id of the request that queued a message.
REQUEST_ID_ATTRIBUTE = "RequestId"
REQUEST_ID_HEADER = b"x-request-id"
# Longer or unprintable ids from callers are replaced, so they cannot flood or forge log lines.
MAX_REQUEST_ID_LENGTH = 128

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def accepted_request_id(given: str) -> str:
    """The caller's id if it is usable, else a new one."""
    if 0 < len(given) <= MAX_REQUEST_ID_LENGTH and given.isprintable():
        return given
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets the request id for each HTTP request and logs one line per request (method,
    path, status, duration) carrying it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        current = accepted_request_id(dict(scope["headers"]).get(REQUEST_ID_HEADER, b"").decode("latin-1"))
        token = request_id.set(current)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((REQUEST_ID_HEADER, current.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logger.info(
                "request handled",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id.reset(token)


def request_id_attributes() -> dict[str, dict[str, str]]:
    """SQS ``MessageAttributes`` carrying the current request id (none outside a request)."""
    current = request_id.get()
    if not current:
        return {}
    return {REQUEST_ID_ATTRIBUTE: {"DataType": "String", "StringValue": current}}


@contextlib.contextmanager
def request_id_of(message: Mapping[str, Any]) -> Iterator[str]:
    """Within the block, log lines carry the id of the request that queued ``message`` (an
    SQS message as ``receive_message`` returns it), or its message id if it has none."""
    given = message.get("MessageAttributes", {}).get(REQUEST_ID_ATTRIBUTE, {}).get("StringValue", "")
    with using_request_id(accepted_request_id(given) if given else message["MessageId"]) as current:
        yield current


@contextlib.contextmanager
def using_request_id(current: str) -> Iterator[str]:
    """Within the block, log lines carry ``current`` as their request id."""
    token = request_id.set(current)
    try:
        yield current
    finally:
        request_id.reset(token)
