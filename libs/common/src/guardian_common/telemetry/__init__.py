"""Traces, metrics and log correlation of every service, switched on by environment variables only.

`setup_telemetry(service)` runs once at startup, before any server or channel is built; the gRPC server and
the internal channel then ask `server_interceptors()` / `client_interceptors()`, which are empty when off.
"""

from __future__ import annotations

import logging
from typing import Any

from guardian_common.telemetry.grpc_metrics import GrpcMetricsInterceptor
from guardian_common.telemetry.metrics import metrics_enabled, setup_metrics
from guardian_common.telemetry.tracing import grpc_client_tracing, grpc_server_tracing, setup_tracing

log = logging.getLogger("guardian.telemetry")


def setup_telemetry(service: str) -> None:
    """Tracing and metrics of this process. Prints `<service> metrics=<url>` when the listener is up."""
    exporters = setup_tracing(service)
    log.info("tracing %s", exporters)
    server = setup_metrics(service)
    if server is not None:
        print(f"{service} metrics={server.url()}", flush=True)


def server_interceptors() -> list[Any]:
    """Tracing first (it continues the caller's trace), then request metrics; empty when both are off."""
    return [*grpc_server_tracing(), *([GrpcMetricsInterceptor()] if metrics_enabled() else [])]


def client_interceptors() -> list[Any]:
    return grpc_client_tracing()
