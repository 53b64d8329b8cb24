import time

import boto3
import pytest
from moto import mock_aws
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from stack.libs.tracing import ENDPOINT_VARIABLE, enable_tracing, tracer_provider


def test_off_unless_the_platform_sets_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENDPOINT_VARIABLE, raising=False)
    assert tracer_provider() is None
    assert enable_tracing() is None
    assert tracer_provider({ENDPOINT_VARIABLE: "http://localhost:4318"}) is not None


def test_aws_calls_become_spans_with_x_ray_trace_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "billing-worker")
    exporter = InMemorySpanExporter()
    provider = tracer_provider({"OTEL_PYTHON_ID_GENERATOR": "xray"}, exporter=exporter)
    assert provider is not None
    BotocoreInstrumentor().instrument(tracer_provider=provider)
    try:
        with mock_aws():
            sqs = boto3.client("sqs", region_name="eu-west-1")
            queue_url = sqs.create_queue(QueueName="work")["QueueUrl"]
            sqs.send_message(QueueUrl=queue_url, MessageBody="{}")
    finally:
        BotocoreInstrumentor().uninstrument()
    provider.force_flush()

    spans = {span.name: span for span in exporter.get_finished_spans()}
    send = spans["SQS.SendMessage"]
    assert send.kind is SpanKind.CLIENT
    assert send.resource.attributes["service.name"] == "billing-worker"
    # X-Ray's ids begin with the epoch seconds of the trace's start.
    started = int(f"{send.context.trace_id:032x}"[:8], 16)
    assert abs(started - time.time()) < 300
