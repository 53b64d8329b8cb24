import io
import json
import logging

from stack.libs.json_logging import configure_logging, request_id


def test_lines_are_json_with_request_id_and_extra_fields() -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    token = request_id.set("req-123")
    try:
        logging.getLogger("demo").info("job %s stored", "j1", extra={"job_id": "j1"})
    finally:
        request_id.reset(token)
    logging.getLogger("demo").warning("outside a request")

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "job j1 stored"
    assert first["request_id"] == "req-123"
    assert first["job_id"] == "j1"
    assert first["level"] == "INFO"
    assert "request_id" not in second


def test_exceptions_are_kept_in_one_line() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("demo").exception("failed")
    (line,) = stream.getvalue().splitlines()
    assert "ValueError: boom" in json.loads(line)["exception"]
