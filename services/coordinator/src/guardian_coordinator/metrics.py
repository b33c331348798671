"""The coordinator's own metrics (besides the per-RPC ones and store errors every gRPC service has): sweeps,
leases, refused stale writes, session lookup sharing and the connection pool. Label values come from closed sets only."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import Counter
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from guardian_common.telemetry.metrics import REGISTRY, outcome_counter
from guardian_coordinator.domain.models import WriteOutcome

SWEEP_RUNS = outcome_counter(
    "guardian_sweep_runs", "Sweeps of expired rows, by outcome (ok, store_unavailable, error)"
)
SWEEP_DELETED = Counter(
    "guardian_sweep_deleted", "Expired rows deleted by the sweeper, by table", ["table"], registry=REGISTRY
)
STALE_WRITES_REFUSED = Counter(
    "guardian_stale_writes_refused",
    "Fenced worker writes refused because the fence token was no longer the lease's (STALE_LEASE)",
    ["operation"],
    registry=REGISTRY,
)
LEASE_ACQUISITIONS = outcome_counter(
    "guardian_lease_acquisitions", "Lease acquire-or-extend calls, by outcome (granted, held_elsewhere)"
)
PROPOSAL_WRITES = outcome_counter(
    "guardian_proposal_writes",
    "DeltaProposals creates and signatures, by outcome (created, existing, signed, already_signed, limit_reached, …)",
)
SESSION_LOOKUP_STATEMENTS = Counter(
    "guardian_session_lookup_statements",
    "Statements sent for Sessions.Get (concurrent lookups share one; see docs/coordinator.md)",
    registry=REGISTRY,
)
SESSION_LOOKUP_KEYS = Counter(
    "guardian_session_lookup_keys",
    "Distinct session keys looked up by those statements: keys / statements = lookups per statement",
    registry=REGISTRY,
)
LEASE_RENEWALS = outcome_counter("guardian_lease_renewals", "Lease renewals, by outcome (renewed, lost)")


def fenced(operation: str, outcome: WriteOutcome) -> WriteOutcome:
    """Counts a refused stale write; returns the outcome unchanged."""
    if outcome is WriteOutcome.STALE_LEASE:
        STALE_WRITES_REFUSED.labels(operation).inc()
    return outcome


class PoolCollector(Collector):
    """Connection pool gauges read at scrape time from the pool itself: no database round trip."""

    def __init__(self, engine: AsyncEngine, pool_name: str = "storage") -> None:
        self._engine = engine
        self._pool_name = pool_name

    def collect(self) -> Iterator[Metric]:
        pool = self._engine.sync_engine.pool
        if not isinstance(pool, QueuePool):
            return
        gauges = (
            ("guardian_db_pool_connections_max", "Pool capacity", pool.size()),
            ("guardian_db_pool_connections", "Connections checked out", pool.checkedout()),
            ("guardian_db_pool_connections_available", "Idle connections in the pool", pool.checkedin()),
        )
        for name, documentation, value in gauges:
            family = GaugeMetricFamily(name, documentation, labels=["pool"])
            family.add_metric([self._pool_name], value)
            yield family


def watch_pool(engine: AsyncEngine) -> None:
    REGISTRY.register(PoolCollector(engine))
