"""The decision knobs of docs/contracts/canonicalization.md §1 that the pure decision table reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    max_retries: int = 48
    grace_seconds: float = 600.0
    divergence_confirmations: int = 2
    abandon_quarantine_seconds: float = 15.0
    abandon_quarantine_checks: int = 2
    retained_ttl_seconds: int = 86_400
