"""Prometheus metrics of one process: one registry, served on a dedicated listener when enabled.

GUARDIAN_METRICS_ENABLED (default false) is the master switch: off means no listener and no per-call
instrumentation (counters in the services still count, which costs a lock and an add). The listener answers
only GUARDIAN_METRICS_PATH, is never rate limited, and with GUARDIAN_METRICS_BEARER_TOKEN set refuses a scrape
without `Authorization: Bearer <token>` (compared in constant time) with 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from guardian_common.settings import load_settings, strict_bool
from guardian_common.telemetry.metrics_http import MetricsServer, start_metrics_server

# No `_created` series next to every counter: half the series, nothing lost.
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

# Bucket sets of docs/contracts/ops.md §5.3.
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PASS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

BUILD_INFO = Gauge(
    "guardian_build_info", "1, labelled with the running version", ["version"], registry=REGISTRY
)
STORE_ERRORS = Counter(
    "guardian_store_errors",
    "Operations that failed because the store was unavailable (PostgreSQL in the coordinator, the coordinator "
    "in its clients), by operation",
    ["operation"],
    registry=REGISTRY,
)

_enabled = False


def outcome_counter(name: str, documentation: str) -> Counter:
    """A counter of `name`_total by `outcome`, on the process registry."""
    return Counter(name, documentation, ["outcome"], registry=REGISTRY)


@dataclass(frozen=True)
class RequestMetrics:
    """The request path trio of docs/contracts/ops.md §5.2 for one transport: count by result, duration, in flight."""

    requests: Counter
    duration: Histogram
    in_flight: Gauge


def request_metrics(transport: str, labels: list[str], result_label: str, what: str) -> RequestMetrics:
    """`guardian_<transport>_requests_total{*labels, result_label}`, `…_request_duration_seconds{*labels}`
    and `…_requests_in_flight`."""
    prefix = f"guardian_{transport}_request"
    by = ", ".join(labels)
    return RequestMetrics(
        requests=Counter(
            f"{prefix}s",
            f"{what} answered, by {by} and {result_label}",
            [*labels, result_label],
            registry=REGISTRY,
        ),
        duration=Histogram(
            f"{prefix}_duration_seconds",
            f"Time to answer {what}",
            labels,
            buckets=REQUEST_BUCKETS,
            registry=REGISTRY,
        ),
        in_flight=Gauge(f"{prefix}s_in_flight", f"{what} being answered", registry=REGISTRY),
    )


class MetricsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUARDIAN_METRICS_", extra="ignore")

    enabled: bool = False
    addr: str = "127.0.0.1:9464"
    path: str = "/metrics"
    bearer_token: SecretStr | None = Field(default=None)

    _bools = field_validator("enabled", mode="before")(strict_bool)

    @field_validator("addr")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or int(port) > 65535:
            raise ValueError("must be HOST:PORT, e.g. 0.0.0.0:9464 in a container (port 0 picks a free one)")
        return value.strip()

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /, e.g. /metrics")
        return value

    @field_validator("bearer_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


def metrics_enabled() -> bool:
    return _enabled


def setup_metrics(service: str) -> MetricsServer | None:
    """Reads the settings (invalid values refuse startup) and, when enabled, starts the listener."""
    global _enabled
    settings = load_settings(MetricsSettings)
    try:
        BUILD_INFO.labels(version(f"guardian-{service}")).set(1)
    except PackageNotFoundError:
        BUILD_INFO.labels("unknown").set(1)
    if not settings.enabled:
        return None
    token = settings.bearer_token.get_secret_value() if settings.bearer_token else None
    server = start_metrics_server(settings.addr, settings.path, token, REGISTRY)
    _enabled = True
    return server
