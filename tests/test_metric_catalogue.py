"""The metric catalogue of every service follows docs/contracts/ops.md §5.3, and the Grafana dashboard only queries
metrics that exist."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric

from guardian_canonicalizer.metrics import Metrics as CanonicalizerMetrics
from guardian_common.telemetry.metrics import REGISTRY

DASHBOARD = Path(__file__).parents[1] / "deploy" / "grafana" / "guardian-dashboard.json"
ALLOWED_LABELS = {
    "method", "route", "status", "service", "code", "operation", "outcome", "kind", "limit_type",
    "transport", "pool", "version", "table",
}  # fmt: skip
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}

# Modules that register their metrics on the process registry when imported.
SERVICE_METRICS = (
    "guardian_common.telemetry.grpc_metrics",
    "guardian_auth.metrics",
    "guardian_coordinator.metrics",
    "guardian_gateway.metrics",
)


def guardian_families() -> list[Metric]:
    for module in SERVICE_METRICS:
        importlib.import_module(module)
    canonicalizer = CollectorRegistry()
    CanonicalizerMetrics(canonicalizer)
    families = [*REGISTRY.collect(), *canonicalizer.collect()]
    return [family for family in families if family.name.startswith("guardian_")]


def test_names_labels_and_types_follow_the_rules() -> None:
    families = guardian_families()
    assert len(families) > 20
    for family in families:
        assert re.fullmatch(r"guardian_[a-z0-9_]+", family.name), family.name
        assert family.type in SUFFIXES, (family.name, family.type)
        if family.type == "histogram":
            assert family.name.endswith("_seconds"), family.name
        for sample in family.samples:
            assert set(sample.labels) - {"le"} <= ALLOWED_LABELS, (family.name, sample.labels)


def test_the_dashboard_queries_only_existing_metrics() -> None:
    exposed = {family.name + suffix for family in guardian_families() for suffix in SUFFIXES[family.type]} | {
        "guardian_db_pool_connections",
        "guardian_db_pool_connections_max",
    }  # read from the pool on scrape
    dashboard = json.loads(DASHBOARD.read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        for name in re.findall(r"guardian_\w+", target["expr"])
    }
    assert queried and queried <= exposed, queried - exposed
