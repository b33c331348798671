"""Query rules of the paged dashboard feeds (docs/contracts/auth.md §2.12): limit, status filter, paused filter."""

from __future__ import annotations

import re

from guardian_common.envelope import ErrorEnvelope

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
STATUSES = ("candidate", "canonical", "retained", "discarded")
_UNSIGNED = re.compile(r"\+?[0-9]{1,20}")


def parse_limit(raw: str | None) -> int:
    """Absent or empty → 50; otherwise an integer in [1, 500], else 400 invalid_limit."""
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not _UNSIGNED.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ErrorEnvelope.of("invalid_limit")
    return int(raw)


def parse_status_filter(raw: str | None) -> tuple[str, ...]:
    """Comma list of candidate|canonical|retained|discarded, duplicates merged, in the canonical order;
    absent or empty → () (all). An unknown or empty token → 400 invalid_status_filter."""
    if raw is None or raw == "":
        return ()
    tokens = raw.split(",")
    if any(token not in STATUSES for token in tokens):
        raise ErrorEnvelope.of("invalid_status_filter")
    return tuple(status for status in STATUSES if status in tokens)


def parse_paused_filter(raw: str | None) -> bool | None:
    """`true` / `false`; absent or empty → None (all accounts)."""
    if raw is None or raw == "":
        return None
    if raw not in ("true", "false"):
        raise ErrorEnvelope.of("invalid_input", "query parameter 'paused' must be true or false")
    return raw == "true"
