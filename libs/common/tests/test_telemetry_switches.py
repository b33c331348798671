"""Telemetry is off unless configured: no interceptors then, and the right ones once it is on.

Tracing and metrics set process-wide state, so the switched-on cases run in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json
from guardian_common.telemetry import client_interceptors, server_interceptors, setup_telemetry
setup_telemetry("coordinator")
print(json.dumps({
    "server": [type(i).__name__ for i in server_interceptors()],
    "client": [type(i).__name__ for i in client_interceptors()],
}))
"""


def interceptors_with(env: dict[str, str]) -> dict[str, list[str]]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GUARDIAN_", "OTEL_"))}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    answer: dict[str, list[str]] = json.loads(result.stdout.splitlines()[-1])
    return answer


def test_nothing_is_installed_when_telemetry_is_off() -> None:
    assert interceptors_with({}) == {"server": [], "client": []}


def test_tracing_and_metrics_interceptors_once_switched_on(tmp_path: Path) -> None:
    answer = interceptors_with(
        {
            "GUARDIAN_TRACE_FILE": str(tmp_path / "spans.jsonl"),
            "GUARDIAN_METRICS_ENABLED": "true",
            "GUARDIAN_METRICS_ADDR": "127.0.0.1:0",
        }
    )
    assert answer["server"] == ["OpenTelemetryAioServerInterceptor", "GrpcMetricsInterceptor"]
    assert "UnaryUnaryAioClientInterceptor" in answer["client"]


def test_metrics_alone_add_no_tracing() -> None:
    answer = interceptors_with({"GUARDIAN_METRICS_ENABLED": "true", "GUARDIAN_METRICS_ADDR": "127.0.0.1:0"})
    assert answer == {"server": ["GrpcMetricsInterceptor"], "client": []}
