"""Traces for every service process, when its platform asks for them.

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set. A service stack sets it, with the other
standard OpenTelemetry variables (service name, X-Ray id generator and propagator,
sampling), when its ``tracing`` setting is on and a collector sidecar runs next to the app
(stack/infra/components/fargate.py). Then every AWS call (botocore: SQS, S3, ...) and, for
an API, every request becomes a span, exported over OTLP/HTTP to the collector, which
sends them to X-Ray.
"""

import logging
import os
from collections.abc import Mapping
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.propagators.aws import AwsXRayPropagator
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"

logger = logging.getLogger(__name__)


def tracer_provider(
    environ: Mapping[str, str] = os.environ, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """A provider exporting to the configured endpoint (or to ``exporter``), or None when
    tracing is off. Service name and sampler come from the standard variables."""
    if exporter is None and not environ.get(ENDPOINT_VARIABLE):
        return None
    # X-Ray accepts only trace ids that start with their time; the sidecar's pipeline is X-Ray.
    id_generator = AwsXRayIdGenerator() if environ.get("OTEL_PYTHON_ID_GENERATOR") == "xray" else None
    provider = TracerProvider(resource=Resource.create(), id_generator=id_generator)
    provider.add_span_processor(BatchSpanProcessor(exporter or OTLPSpanExporter()))
    return provider


def enable_tracing(app: Any = None, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """Instrument this process's AWS calls (and the FastAPI ``app``, if given) when tracing
    is on; a no-op returning None when it is off."""
    provider = tracer_provider(exporter=exporter)
    if provider is None:
        return None
    trace.set_tracer_provider(provider)
    # X-Ray's header first, so a request's spans join the load balancer's X-Amzn-Trace-Id.
    propagate.set_global_textmap(CompositePropagator([AwsXRayPropagator(), TraceContextTextMapPropagator()]))
    BotocoreInstrumentor().instrument(tracer_provider=provider)
    if app is not None:
        # Imported here: it imports FastAPI, which a worker-only process need not have.
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
        app.state.tracer_provider = provider  # e.g. to flush spans in a test
    logger.info("tracing on", extra={"endpoint": os.environ.get(ENDPOINT_VARIABLE, "(in-process exporter)")})
    return provider
