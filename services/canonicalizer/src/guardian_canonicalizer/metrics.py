"""Prometheus metrics of one canonicalizer replica, served on their own port when enabled."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.passes = Counter(
            "guardian_canonicalizer_passes",
            "Passes run, by kind (full, fast, reconcile) and outcome (completed, partial, cancelled, error)",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.candidate_outcomes = Counter(
            "guardian_canonicalizer_candidate_outcomes",
            "Per-candidate decisions carried out (canonicalized, retried, grace_deferred, diverged, ...)",
            ["outcome"],
            registry=self.registry,
        )
        self.lease_acquisitions = Counter(
            "guardian_canonicalizer_lease_acquisitions",
            "Times this replica became the leader (a new fence token)",
            registry=self.registry,
        )
        self.renew_failures = Counter(
            "guardian_canonicalizer_lease_renew_failures",
            "Lease renewals that failed: error (coordinator unreachable) or lost (taken or expired)",
            ["reason"],
            registry=self.registry,
        )
        self.stale_writes = Counter(
            "guardian_canonicalizer_stale_writes_refused",
            "Fenced writes the coordinator refused with STALE_LEASE, by operation",
            ["operation"],
            registry=self.registry,
        )
        self.commitment_mismatches = Counter(
            "guardian_canonicalizer_claimed_commitment_mismatches",
            "Promotions whose recomputed commitment differed from the one claimed at submission",
            registry=self.registry,
        )
        self.leader = Gauge(
            "guardian_canonicalizer_leader", "1 while this replica holds the lease", registry=self.registry
        )

    def serve(self, address: str) -> int:
        host, _, port = address.rpartition(":")
        server, _thread = start_http_server(int(port), addr=host or "127.0.0.1", registry=self.registry)
        return int(server.server_port)
