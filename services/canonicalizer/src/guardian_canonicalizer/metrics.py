"""Prometheus metrics of one canonicalizer replica (the guardian_canonicalization_ family of docs/contracts/ops.md §5.2,
plus the lease facts upstream lacks: leader, fence token, acquisitions, renew failures, refused stale writes).
Registered on the process registry that `setup_telemetry` serves when metrics are enabled."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from guardian_common.telemetry.metrics import PASS_BUCKETS

PREFIX = "guardian_canonicalization"


class Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.passes = Counter(
            f"{PREFIX}_runs",
            "Passes run, by kind (full, fast, reconcile) and outcome (completed, partial, cancelled, error)",
            ["kind", "outcome"],
            registry=registry,
        )
        self.pass_duration = Histogram(
            f"{PREFIX}_run_duration_seconds",
            "Duration of a pass, by kind",
            ["kind"],
            buckets=PASS_BUCKETS,
            registry=registry,
        )
        self.candidate_outcomes = Counter(
            f"{PREFIX}_candidates",
            "Per-candidate decisions carried out (canonicalized, retried, grace_deferred, diverged, ...)",
            ["outcome"],
            registry=registry,
        )
        self.lease_acquisitions = Counter(
            f"{PREFIX}_lease_acquisitions",
            "Times this replica became the leader (a new fence token)",
            registry=registry,
        )
        self.renew_failures = Counter(
            f"{PREFIX}_lease_renew_failures",
            "Lease renewals that failed, by outcome: error (coordinator unreachable) or lost (taken or expired)",
            ["outcome"],
            registry=registry,
        )
        self.stale_writes = Counter(
            f"{PREFIX}_stale_writes_refused",
            "Fenced writes the coordinator refused with STALE_LEASE, by operation",
            ["operation"],
            registry=registry,
        )
        self.commitment_mismatches = Counter(
            f"{PREFIX}_commitment_mismatches",
            "Promotions whose recomputed commitment differed from the one claimed at submission",
            registry=registry,
        )
        self.leader = Gauge(f"{PREFIX}_leader", "1 while this replica holds the lease", registry=registry)
        self.fence_token = Gauge(
            f"{PREFIX}_fence_token",
            "Fence token of the lease this replica holds, 0 when standby",
            registry=registry,
        )

    def holding(self, fence_token: int | None) -> None:
        """The lease this replica holds now (None: standby)."""
        self.leader.set(0 if fence_token is None else 1)
        self.fence_token.set(fence_token or 0)

    def pass_finished(self, kind: str, outcome: str, seconds: float) -> None:
        self.passes.labels(kind, outcome).inc()
        self.pass_duration.labels(kind).observe(seconds)
