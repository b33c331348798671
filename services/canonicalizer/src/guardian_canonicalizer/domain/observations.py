"""What one chain probe can tell: the account's on-chain commitment against the one we expect."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Match:
    """The chain shows exactly the expected commitment."""


@dataclass(frozen=True)
class Absent:
    """The chain does not know the account (all-zero commitment)."""


@dataclass(frozen=True)
class Mismatch:
    """The chain shows another commitment."""

    on_chain: str


@dataclass(frozen=True)
class Unavailable:
    """The probe failed (transport error, deadline, malformed answer): one missed observation."""

    reason: str


Observation = Match | Absent | Mismatch | Unavailable


class ChainError(Exception):
    """A chain probe got no usable answer. The pass treats it as `Unavailable`; it never retries."""
