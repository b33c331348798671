"""Input validation shared by every RPC. A violation raises InvalidArgument naming the field."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from guardian_common.shards import MAX_SHARDS, parse_shard_lease_name
from guardian_coordinator.domain.errors import InvalidArgument
from guardian_coordinator.domain.models import DeltaKind, Lease, Realm, ShardRef

TOKEN_DIGEST_BYTES = 32
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_TEXT_CHARS = 256
MAX_TTL_SECONDS = 366 * 24 * 3600
MAX_NUMBER_INTEGER_DIGITS = 100_000
MAX_NUMBER_FRACTION_DIGITS = 16_000

# Custody (the json network type)
MAX_STATE_BYTES = 1024 * 1024
MAX_METADATA_BYTES = 4 * 1024
MAX_ACK_SIG_CHARS = 4096
MAX_REASON_CHARS = 1024
MAX_NONCE = 2**63 - 1
MAX_PAGE_LIMIT = 500
ACCOUNT_ID = re.compile(r"0x[0-9a-f]{30}")
COMMITMENT = re.compile(r"0x[0-9a-f]{64}")
ACCOUNT_ID_PREFIX = re.compile(r"0x[0-9a-f]{0,30}")


def require_digest(field: str, value: bytes) -> bytes:
    if len(value) != TOKEN_DIGEST_BYTES:
        raise InvalidArgument(field, f"must be exactly {TOKEN_DIGEST_BYTES} bytes, got {len(value)}")
    return value


def require_text(field: str, value: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    if not value.strip():
        raise InvalidArgument(field, "must not be empty")
    if "\x00" in value:
        raise InvalidArgument(field, "must not contain NUL characters")
    if len(value) > max_chars:
        raise InvalidArgument(field, f"must be at most {max_chars} characters")
    return value


def require_ttl_seconds(field: str, value: int) -> int:
    if value <= 0:
        raise InvalidArgument(field, "must be greater than 0")
    if value > MAX_TTL_SECONDS:
        raise InvalidArgument(field, f"must be at most {MAX_TTL_SECONDS}")
    return value


def require_ttl_ms(field: str, value: int) -> int:
    if value <= 0:
        raise InvalidArgument(field, "must be greater than 0")
    if value > MAX_TTL_SECONDS * 1000:
        raise InvalidArgument(field, f"must be at most {MAX_TTL_SECONDS * 1000}")
    return value


def require_positive(field: str, value: int) -> int:
    if value <= 0:
        raise InvalidArgument(field, "must be greater than 0")
    return value


def require_json_object(field: str, value: str, max_bytes: int = MAX_PAYLOAD_BYTES) -> str:
    """Checks size and shape; returns the text unchanged."""
    _require_json_object(field, value, max_bytes)
    return value


def _require_json_object(field: str, value: str, max_bytes: int) -> dict[str, Any]:
    if len(value.encode()) > max_bytes:
        raise InvalidArgument(field, f"must be at most {max_bytes} bytes")
    try:
        parsed = json.loads(value, parse_constant=_refuse_constant, parse_float=_bounded_float)
    except json.JSONDecodeError as exc:
        raise InvalidArgument(field, f"is not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InvalidArgument(field, "is nested too deeply") from None
    except ValueError as exc:  # NaN/Infinity, or a number PostgreSQL's jsonb cannot hold
        raise InvalidArgument(field, f"is not valid JSON ({exc})") from None
    if not isinstance(parsed, dict):
        raise InvalidArgument(field, "must be a JSON object")
    # PostgreSQL's jsonb refuses NUL characters and unpaired surrogates: refuse them here, as bad input.
    normalized = json.dumps(parsed, ensure_ascii=False)
    if "\\u0000" in normalized:
        raise InvalidArgument(field, "must not contain NUL characters (\\u0000)")
    try:
        normalized.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgument(field, "must not contain unpaired UTF-16 surrogates") from None
    return parsed


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _bounded_float(text: str) -> float:
    """jsonb stores numbers as `numeric`: at most 131072 digits before the point and 16383 after."""
    digits = Decimal(text).as_tuple()
    exponent = int(digits.exponent)
    if len(digits.digits) + exponent > MAX_NUMBER_INTEGER_DIGITS or -exponent > MAX_NUMBER_FRACTION_DIGITS:
        raise ValueError(f"the number {text[:20]}... is out of range")
    return float(text)


def require_realm(field: str, value: Realm | None) -> Realm:
    if value is None:
        raise InvalidArgument(field, "must be REALM_OPERATOR or REALM_EVM")
    return value


def require_account_id(field: str, value: str) -> str:
    if not ACCOUNT_ID.fullmatch(value):
        raise InvalidArgument(field, "must be 0x followed by 30 lowercase hex digits")
    return value


def require_account_id_prefix(field: str, value: str) -> str:
    """Empty (no filter), or 0x followed by at most 30 lowercase hex digits (no LIKE wildcard can pass)."""
    if value and not ACCOUNT_ID_PREFIX.fullmatch(value):
        raise InvalidArgument(field, "must be empty, or 0x followed by at most 30 lowercase hex digits")
    return value


def require_commitment(field: str, value: str) -> str:
    if not COMMITMENT.fullmatch(value):
        raise InvalidArgument(field, "must be 0x followed by 64 lowercase hex digits")
    return value


def require_nonce(field: str, value: int) -> int:
    if not 0 <= value <= MAX_NONCE:
        raise InvalidArgument(field, f"must be between 0 and {MAX_NONCE}")
    return value


def require_limit(field: str, value: int) -> int:
    if not 1 <= value <= MAX_PAGE_LIMIT:
        raise InvalidArgument(field, f"must be between 1 and {MAX_PAGE_LIMIT}")
    return value


def require_not_negative(field: str, value: int) -> int:
    if value < 0:
        raise InvalidArgument(field, "must not be negative")
    return value


def optional_text(field: str, value: str, max_chars: int) -> str | None:
    """Empty means absent (None); otherwise the text rules apply."""
    return require_text(field, value, max_chars) if value else None


def optional_json_object(field: str, value: str, max_bytes: int = MAX_PAYLOAD_BYTES) -> str | None:
    """Empty means absent (None); otherwise a JSON object of at most `max_bytes`."""
    return require_json_object(field, value, max_bytes) if value else None


def require_auth_json(field: str, value: str) -> str:
    """A JSON object with exactly one key, the auth method label (e.g. {"Ecdsa": {...}})."""
    parsed = _require_json_object(field, value, MAX_PAYLOAD_BYTES)
    if len(parsed) != 1 or not next(iter(parsed)).strip():
        raise InvalidArgument(field, "must have exactly one key: the auth method label")
    return value


def require_kind(field: str, value: DeltaKind | None, allowed: frozenset[DeltaKind]) -> DeltaKind:
    if value is None or value not in allowed:
        names = ", ".join(sorted(kind.value for kind in allowed))
        raise InvalidArgument(field, f"must be one of {names}")
    return value


def require_kinds(field: str, values: list[DeltaKind | None]) -> frozenset[DeltaKind]:
    """A status filter: duplicates merged, empty means every kind."""
    kinds = frozenset(values)
    if None in kinds:
        raise InvalidArgument(field, "holds an unknown delta kind")
    return frozenset(kind for kind in kinds if kind is not None) or frozenset(DeltaKind)


def require_fence(field: str, lease: Lease | None) -> Lease:
    """A fenced write without a complete fence is refused (fail closed), on every backend."""
    if lease is None:
        raise InvalidArgument(field, "is required: worker writes are fenced")
    require_text(f"{field}.name", lease.name)
    require_text(f"{field}.holder_id", lease.holder_id)
    require_positive(f"{field}.fence_token", lease.fence_token)
    return lease


# Sharded canonicalization
MAX_REPLICA_ID_CHARS = 128
# A shard lease or membership that outlives its replica by more than this only delays a takeover.
MAX_SHARD_TTL_MS = 3600 * 1000
MAX_BATCH_WRITES = 500


def require_replica_id(field: str, value: str) -> str:
    return require_text(field, value, MAX_REPLICA_ID_CHARS)


def require_shard_count(field: str, value: int) -> int:
    if not 1 <= value <= MAX_SHARDS:
        raise InvalidArgument(field, f"must be between 1 and {MAX_SHARDS}")
    return value


def require_shard_ttl_ms(field: str, value: int) -> int:
    if value <= 0:
        raise InvalidArgument(field, "must be greater than 0")
    if value > MAX_SHARD_TTL_MS:
        raise InvalidArgument(field, f"must be at most {MAX_SHARD_TTL_MS}")
    return value


def require_shard(field: str, shard: ShardRef | None) -> ShardRef:
    if shard is None:
        raise InvalidArgument(field, "is required")
    require_shard_count(f"{field}.count", shard.count)
    if not 0 <= shard.index < shard.count:
        raise InvalidArgument(f"{field}.index", f"must be below count ({shard.count})")
    return shard


def require_shard_indexes(field: str, indexes: list[int], count: int) -> list[int]:
    if not indexes:
        raise InvalidArgument(field, "must name at least one shard")
    seen: set[int] = set()
    for i, index in enumerate(indexes):
        if not 0 <= index < count:
            raise InvalidArgument(f"{field}[{i}]", f"must be below shard_count ({count})")
        if index in seen:
            raise InvalidArgument(f"{field}[{i}]", f"repeats shard {index}")
        seen.add(index)
    return indexes


def require_shard_leases(field: str, leases: list[Lease], holder_id: str, count: int | None) -> list[Lease]:
    """Fences of shard leases held by `holder_id`, each named once (of `count` shards, when given)."""
    names: set[str] = set()
    for i, lease in enumerate(leases):
        require_fence(f"{field}[{i}]", lease)
        shard = parse_shard_lease_name(lease.name)
        if shard is None or (count is not None and shard[1] != count):
            of = "" if count is None else f" of {count} shards"
            raise InvalidArgument(f"{field}[{i}].name", f"must be a shard lease name{of}")
        if lease.holder_id != holder_id:
            raise InvalidArgument(f"{field}[{i}].holder_id", "must be the replica_id")
        if lease.name in names:
            raise InvalidArgument(f"{field}[{i}].name", "repeats a lease")
        names.add(lease.name)
    return leases
