"""The worker's view of a stored delta row and of its status JSON (custody.md, "The status JSON")."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

# An intent or status time that cannot be parsed counts as infinitely old (docs/contracts/canonicalization.md §4.5).
LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


class Kind(StrEnum):
    CANDIDATE = "candidate"
    CANONICAL = "canonical"
    RETAINED = "retained"
    DISCARDED = "discarded"


@dataclass(frozen=True)
class StoredDelta:
    account_id: str
    nonce: int
    prev_commitment: str
    new_commitment: str  # "" when none
    kind: Kind
    status_at: datetime  # push time for a candidate, retention / discard time otherwise
    retry_count: int = 0
    divergence_count: int = 0
    abandon_confirm_count: int = 0
    abandon_requested_at: datetime | None = None
    reason: str = ""

    @property
    def abandon_requested(self) -> bool:
        return self.abandon_requested_at is not None


def parse_time(text: object) -> datetime:
    if not isinstance(text, str):
        return LONG_AGO
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return LONG_AGO
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _count(status: dict[str, object], key: str) -> int:
    value = status.get(key, 0)
    return value if isinstance(value, int) and value >= 0 else 0


def delta_from_status(
    *,
    account_id: str,
    nonce: int,
    prev_commitment: str,
    new_commitment: str,
    kind: Kind,
    status_at: datetime,
    status_json: str,
) -> StoredDelta:
    """Reads the counters, the abandon intent and the reason; missing counters are 0."""
    try:
        status = json.loads(status_json) if status_json else {}
    except ValueError:
        status = {}
    if not isinstance(status, dict):
        status = {}
    requested = status.get("abandon_requested_at")
    reason = status.get("reason")
    return StoredDelta(
        account_id=account_id,
        nonce=nonce,
        prev_commitment=prev_commitment,
        new_commitment=new_commitment,
        kind=kind,
        status_at=status_at,
        retry_count=_count(status, "retry_count"),
        divergence_count=_count(status, "divergence_count"),
        abandon_confirm_count=_count(status, "abandon_confirm_count"),
        abandon_requested_at=None if requested is None else parse_time(requested),
        reason=reason if isinstance(reason, str) else "",
    )
