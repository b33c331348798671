"""JSON log lines carry the active span's trace id and span id, and nothing extra outside a span."""

from __future__ import annotations

import json
import logging

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from guardian_common.logs import JsonFormatter


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("guardian.test", logging.INFO, __file__, 1, message, None, None)


def test_a_line_inside_a_span_names_the_trace() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("request") as span:
        entry = json.loads(JsonFormatter().format(record("inside")))
    context = span.get_span_context()
    assert entry["trace_id"] == format(context.trace_id, "032x")
    assert entry["span_id"] == format(context.span_id, "016x")
    assert entry["message"] == "inside"


def test_a_line_outside_any_span_has_no_trace_fields() -> None:
    assert trace.get_current_span().get_span_context().is_valid is False
    entry = json.loads(JsonFormatter().format(record("outside")))
    assert "trace_id" not in entry and "span_id" not in entry
