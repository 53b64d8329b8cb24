import asyncio
import io
import json
import logging

import boto3
from moto import mock_aws

from stack.libs.json_logging import configure_logging, request_id
from stack.libs.request_ids import (
    REQUEST_ID_ATTRIBUTE,
    RequestIdMiddleware,
    request_id_attributes,
    request_id_of,
)


def call(app, headers: list[tuple[bytes, bytes]]) -> list[dict]:
    """Sends one GET through an ASGI app; returns the messages it sent back."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/things", "headers": headers}
    asyncio.run(app(scope, receive, send))
    return sent


async def answer_with_the_current_id(scope, receive, send) -> None:
    logging.getLogger("app").info("handling")
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": (request_id.get() or "").encode()})


def test_middleware_keeps_the_callers_id_on_the_answer_and_every_log_line() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    start, body = call(RequestIdMiddleware(answer_with_the_current_id), [(b"x-request-id", b"abc-1")])

    assert (b"x-request-id", b"abc-1") in start["headers"]
    assert body["body"] == b"abc-1"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["handling", "request handled"]
    assert {line["request_id"] for line in lines} == {"abc-1"}
    assert lines[1]["status"] == 200 and lines[1]["path"] == "/things"
    assert request_id.get() is None


def test_middleware_replaces_missing_or_unusable_ids() -> None:
    for headers in ([], [(b"x-request-id", b"x" * 500)], [(b"x-request-id", b"bad\nline")]):
        start, body = call(RequestIdMiddleware(answer_with_the_current_id), headers)
        given = dict(start["headers"])[b"x-request-id"]
        assert len(given) == 32 and given == body["body"]


def test_request_id_travels_through_a_queue_message() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue_url = sqs.create_queue(QueueName="work")["QueueUrl"]
        token = request_id.set("req-42")
        try:
            sqs.send_message(QueueUrl=queue_url, MessageBody="{}", MessageAttributes=request_id_attributes())
        finally:
            request_id.reset(token)
        assert request_id_attributes() == {}
        sqs.send_message(QueueUrl=queue_url, MessageBody="{}", MessageAttributes=request_id_attributes())

        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=[REQUEST_ID_ATTRIBUTE]
        )["Messages"]

    seen = []
    for message in messages:
        with request_id_of(message) as current:
            assert request_id.get() == current
            seen.append(current)
        assert request_id.get() is None
    # The one queued outside a request falls back to its own message id.
    assert sorted(seen) == sorted(["req-42", next(m["MessageId"] for m in messages if "MessageAttributes" not in m)])
