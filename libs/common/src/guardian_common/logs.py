"""Process-wide logging setup: plain text by default, JSON lines with GUARDIAN_LOG_FORMAT=json (with the
trace_id and span_id of the active span, when tracing is on)."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from guardian_common.telemetry.tracing import current_trace_ids


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        ids = current_trace_ids()
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(service: str) -> logging.Logger:
    fmt = os.environ.get("GUARDIAN_LOG_FORMAT", "text").strip().lower()
    level = os.environ.get("GUARDIAN_LOG_LEVEL", "INFO").strip().upper()
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    return logging.getLogger(service)
