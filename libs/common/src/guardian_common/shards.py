"""Canonicalization shards: which shard an account belongs to, and the lease name of each shard.

The coordinator and every canonicalizer must agree on these to the bit (the coordinator refuses a write
whose account is not in the shard of its fence), so this is the only implementation, and the
coordinator's PostgreSQL schema computes the same key in a generated column (migration 0003).
See docs/custody.md, "Shards and batches".
"""

from __future__ import annotations

import hashlib
import re

MAX_SHARDS = 4096
SHARD_LEASE_PREFIX = "canonicalization/shard-"
# Strict decimal spelling (no sign, no leading zeros) so that one shard has exactly one lease name.
_LEASE_NAME = re.compile(r"canonicalization/shard-(0|[1-9][0-9]{0,3})-of-([1-9][0-9]{0,3})")


def shard_key(account_id: str) -> int:
    """The first 4 bytes of SHA-256 over the raw bytes of the account id ("0x" + hex), big-endian."""
    return int.from_bytes(hashlib.sha256(bytes.fromhex(account_id[2:])).digest()[:4], "big")


def shard_of(account_id: str, count: int) -> int:
    """The shard (0 … count - 1) of an account among `count` shards."""
    if not 1 <= count <= MAX_SHARDS:
        raise ValueError(f"count must be between 1 and {MAX_SHARDS}, got {count}")
    return shard_key(account_id) % count


def shard_lease_name(index: int, count: int) -> str:
    if not 1 <= count <= MAX_SHARDS or not 0 <= index < count:
        raise ValueError(
            f"shard {index} of {count} does not exist (1 <= count <= {MAX_SHARDS}, index < count)"
        )
    return f"{SHARD_LEASE_PREFIX}{index}-of-{count}"


def parse_shard_lease_name(name: str) -> tuple[int, int] | None:
    """(index, count) of a shard lease name as `shard_lease_name` spells it; None for any other name."""
    match = _LEASE_NAME.fullmatch(name)
    if match is None:
        return None
    index, count = int(match[1]), int(match[2])
    return (index, count) if index < count <= MAX_SHARDS else None
