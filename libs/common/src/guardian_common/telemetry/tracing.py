"""OpenTelemetry tracing: on only when an exporter is configured, otherwise the API's no-op stays in place.

Exporters: OTLP over gRPC (batched) when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
is set (the exporter reads the other standard OTEL_EXPORTER_OTLP_* variables itself); a JSON-lines file when
GUARDIAN_TRACE_FILE is set. Context crosses processes as W3C `traceparent` (the default global propagator)
in gRPC metadata and HTTP headers. Interceptors are only handed out while tracing is on: off costs nothing.
"""

from __future__ import annotations

import os
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

from guardian_common.telemetry.span_file import JsonLinesSpanExporter

TRACE_FILE = "GUARDIAN_TRACE_FILE"
OTLP_ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")

_provider: TracerProvider | None = None


def _otlp_configured() -> bool:
    return any(os.environ.get(name, "").strip() for name in OTLP_ENDPOINTS)


def _sdk_disabled() -> bool:
    return os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"


def setup_tracing(service: str) -> str:
    """Installs the tracer provider of this process (once); returns the exporters in use, or `off`."""
    global _provider
    trace_file = os.environ.get(TRACE_FILE, "").strip()
    if _provider is not None or _sdk_disabled() or not (_otlp_configured() or trace_file):
        return "off" if _provider is None else "unchanged"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: f"guardian-{service}"}))
    exporters = []
    if _otlp_configured():
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        exporters.append("otlp")
    if trace_file:
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(trace_file)))
        exporters.append("file")
    trace.set_tracer_provider(provider)
    _provider = provider
    return "+".join(exporters)


def tracer_provider() -> TracerProvider | None:
    """The provider when tracing is on; None means off (nothing should be instrumented)."""
    return _provider


def grpc_server_tracing() -> list[Any]:
    """The server interceptor that continues the caller's trace, or nothing when tracing is off."""
    if _provider is None:
        return []
    from opentelemetry.instrumentation.grpc import aio_server_interceptor

    return [aio_server_interceptor(tracer_provider=_provider)]  # type: ignore[no-untyped-call]


def grpc_client_tracing() -> list[Any]:
    """Client interceptors that open a span per call and send `traceparent`, or nothing when off."""
    if _provider is None:
        return []
    from opentelemetry.instrumentation.grpc import aio_client_interceptors

    return list(aio_client_interceptors(tracer_provider=_provider))  # type: ignore[no-untyped-call]


def current_trace_ids() -> tuple[str, str] | None:
    """(trace_id, span_id) in hex of the active span, for log correlation; None outside a span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
