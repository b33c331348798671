"""Prometheus metrics of one canonicalizer replica (the guardian_canonicalization_ family of
docs/contracts/ops.md §5.2, plus the shard facts upstream lacks: shards held, acquisitions, losses,
releases, renew failures, the longest renewal gap, refused stale writes and batch sizes).
Registered on the process registry that `setup_telemetry` serves when metrics are enabled.

Batch sizes are two counters (batches and the writes in them; their ratio is the mean size) rather than a
histogram, because histograms are durations in seconds only (docs/contracts/ops.md §5.3)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from guardian_common.telemetry.metrics import PASS_BUCKETS

PREFIX = "guardian_canonicalization"


class Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.passes = Counter(
            f"{PREFIX}_runs",
            "Passes run over one shard, by kind (full, fast, reconcile) and outcome "
            "(completed, partial, cancelled, error)",
            ["kind", "outcome"],
            registry=registry,
        )
        self.pass_duration = Histogram(
            f"{PREFIX}_run_duration_seconds",
            "Duration of a pass over one shard, by kind",
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
        self.promotions = Counter(
            f"{PREFIX}_promotions",
            "Promotions this replica had applied (full, fast and reconcile passes)",
            registry=registry,
        )
        self.shards_held = Gauge(
            f"{PREFIX}_shards_held", "Shards this replica holds a live lease on", registry=registry
        )
        self.shard_acquisitions = Counter(
            f"{PREFIX}_shard_acquisitions",
            "Shard leases this replica took (each a new fence, or a lease it still held re-taken)",
            registry=registry,
        )
        self.shard_losses = Counter(
            f"{PREFIX}_shard_losses",
            "Shards this replica stopped writing without releasing them, by outcome: lost (not renewed: "
            "taken or expired), expired (no successful renewal before its write deadline), stale_lease / "
            "wrong_shard (a write refused)",
            ["outcome"],
            registry=registry,
        )
        self.shard_releases = Counter(
            f"{PREFIX}_shard_releases",
            "Shard leases this replica released, by outcome: rebalance (surplus after a join) or shutdown",
            ["outcome"],
            registry=registry,
        )
        self.renew_failures = Counter(
            f"{PREFIX}_lease_renew_failures",
            "Shard lease renewals that failed, by outcome: error (heartbeat without answer, once per "
            "held shard) or lost (taken or expired)",
            ["outcome"],
            registry=registry,
        )
        self.longest_renewal_gap = Gauge(
            f"{PREFIX}_longest_renewal_gap_seconds",
            "Longest time between two successful renewals of a shard lease since boot (database clock)",
            registry=registry,
        )
        self.stale_writes = Counter(
            f"{PREFIX}_stale_writes_refused",
            "Fenced writes the coordinator refused, by operation and outcome (stale_lease, wrong_shard)",
            ["operation", "outcome"],
            registry=registry,
        )
        self.batches = Counter(
            f"{PREFIX}_batches",
            "ApplyWrites batches sent, by pass kind",
            ["kind"],
            registry=registry,
        )
        self.batch_writes = Counter(
            f"{PREFIX}_batch_writes",
            "Writes sent in ApplyWrites batches, by pass kind (divided by batches: the mean batch size)",
            ["kind"],
            registry=registry,
        )
        self.commitment_mismatches = Counter(
            f"{PREFIX}_commitment_mismatches",
            "Promotions whose recomputed commitment differed from the one claimed at submission",
            registry=registry,
        )
        self.leader = Gauge(
            f"{PREFIX}_leader", "1 while this replica holds at least one shard", registry=registry
        )
        self.fence_token = Gauge(
            f"{PREFIX}_fence_token",
            "Highest fence token among the shards this replica holds, 0 when it holds none",
            registry=registry,
        )

    def holding(self, fence_tokens: list[int]) -> None:
        """The fences of the shards this replica holds now."""
        self.shards_held.set(len(fence_tokens))
        self.leader.set(1 if fence_tokens else 0)
        self.fence_token.set(max(fence_tokens, default=0))

    def pass_finished(self, kind: str, outcome: str, seconds: float) -> None:
        self.passes.labels(kind, outcome).inc()
        self.pass_duration.labels(kind).observe(seconds)
