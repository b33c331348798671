"""Sharded canonicalization use cases: validate the input (InvalidArgument names the field), then one store call.

The coordinator enforces the safety rules only (docs/custody.md, "Shards and batches"): a shard's fence
guards writes to that shard's accounts and no other, and shard leases of one count only are granted at a
time. Which replica takes which shard is the canonicalizers' choice, from the membership they read here.
"""

from __future__ import annotations

from collections.abc import Sequence

from guardian_common.shards import MAX_SHARDS, parse_shard_lease_name, shard_of
from guardian_coordinator.domain import validation as v
from guardian_coordinator.domain.errors import InvalidArgument
from guardian_coordinator.domain.fleet import MAX_PASS_AGE_MS, PASS_KINDS, PASS_OUTCOMES, PassReport
from guardian_coordinator.domain.models import (
    AcquireShardsResult,
    FencedWrite,
    HeartbeatResult,
    Lease,
    Page,
    ShardRef,
    ShardWorkItem,
    WorkMode,
    WorkQuery,
    WriteOutcome,
)
from guardian_coordinator.domain.stores import CustodyStore, ShardStore

# A ListShardWork page stops before the item that would take its JSON (states and payloads) beyond this,
# so that the response stays below gRPC's 4 MiB default message limit with the rest of the fields
# (a single item, always sent, is at most a 1 MiB state and its rows).
SHARD_WORK_JSON_BUDGET = 3 * 1024 * 1024 + 512 * 1024


def outside_shard(fence: Lease, account_id: str) -> bool:
    """True when `fence` is a shard lease and the account belongs to another shard: WRONG_SHARD."""
    shard = parse_shard_lease_name(fence.name)
    return shard is not None and shard_of(account_id, shard[1]) != shard[0]


def by_shard_index(lease: Lease) -> tuple[int, int]:
    """Sort key of shard leases, (index, count): their names would sort as text ("10" before "2")."""
    return parse_shard_lease_name(lease.name) or (-1, 0)


def require_pass_reports(field: str, passes: Sequence[PassReport]) -> None:
    """At most one report per kind, of the known kinds and outcomes, aged 0..7 days."""
    kinds = [report.kind for report in passes]
    if len(set(kinds)) != len(kinds):
        raise InvalidArgument(field, "must hold at most one report per kind")
    for i, report in enumerate(passes):
        if report.kind not in PASS_KINDS:
            raise InvalidArgument(f"{field}[{i}].kind", f"must be one of {', '.join(PASS_KINDS)}")
        if report.outcome not in PASS_OUTCOMES:
            raise InvalidArgument(f"{field}[{i}].outcome", f"must be one of {', '.join(PASS_OUTCOMES)}")
        if not 0 <= report.age_ms <= MAX_PASS_AGE_MS:
            raise InvalidArgument(f"{field}[{i}].age_ms", f"must be between 0 and {MAX_PASS_AGE_MS}")


class Canonicalization:
    def __init__(self, shards: ShardStore, custody: CustodyStore) -> None:
        self.shards = shards
        self.custody = custody

    async def heartbeat(
        self,
        replica_id: str,
        shard_count: int,
        member_ttl_ms: int,
        lease_ttl_ms: int,
        renew: list[Lease],
        passes: Sequence[PassReport] = (),
    ) -> HeartbeatResult:
        v.require_replica_id("replica_id", replica_id)
        v.require_shard_count("shard_count", shard_count)
        v.require_shard_ttl_ms("member_ttl_ms", member_ttl_ms)
        v.require_shard_ttl_ms("lease_ttl_ms", lease_ttl_ms)
        if len(renew) > shard_count:
            raise InvalidArgument("renew", f"must hold at most shard_count ({shard_count}) leases")
        v.require_shard_leases("renew", renew, replica_id, shard_count)
        require_pass_reports("last_passes", passes)
        return await self.shards.heartbeat(
            replica_id, shard_count, member_ttl_ms, lease_ttl_ms, renew, passes
        )

    async def acquire_shards(
        self, replica_id: str, shard_count: int, indexes: list[int], lease_ttl_ms: int
    ) -> AcquireShardsResult:
        v.require_replica_id("replica_id", replica_id)
        v.require_shard_count("shard_count", shard_count)
        v.require_shard_indexes("indexes", indexes, shard_count)
        v.require_shard_ttl_ms("lease_ttl_ms", lease_ttl_ms)
        return await self.shards.acquire_shards(replica_id, shard_count, indexes, lease_ttl_ms)

    async def release_shards(self, replica_id: str, leases: list[Lease], leave: bool) -> int:
        v.require_replica_id("replica_id", replica_id)
        if len(leases) > MAX_SHARDS:
            raise InvalidArgument("leases", f"must hold at most {MAX_SHARDS} leases")
        v.require_shard_leases("leases", leases, replica_id, None)
        return await self.shards.release_shards(replica_id, leases, leave)

    async def list_shard_work(
        self,
        shard: ShardRef | None,
        mode: WorkMode | None,
        after_account_id: str,
        limit: int,
        recent_window_ms: int,
        retained_ttl_seconds: int,
    ) -> Page[ShardWorkItem]:
        checked = v.require_shard("shard", shard)
        if mode is None:
            raise InvalidArgument(
                "mode", "must be WORK_MODE_PENDING, WORK_MODE_RECENT or WORK_MODE_RECOVERABLE"
            )
        after = v.require_account_id("after_account_id", after_account_id) if after_account_id else None
        v.require_limit("limit", limit)
        if mode is WorkMode.RECENT:
            v.require_ttl_ms("recent_window_ms", recent_window_ms)
        if mode is WorkMode.RECOVERABLE:
            v.require_ttl_seconds("retained_ttl_seconds", retained_ttl_seconds)
        query = WorkQuery(checked, mode, after, limit, recent_window_ms, retained_ttl_seconds)
        return await self.custody.list_shard_work(query, SHARD_WORK_JSON_BUDGET)

    async def apply_writes(self, fence: Lease | None, writes: list[FencedWrite]) -> list[WriteOutcome]:
        """`writes` were checked one by one (custody.promote_write and its siblings) while converted."""
        lease = v.require_fence("lease", fence)
        if not 1 <= len(writes) <= v.MAX_BATCH_WRITES:
            raise InvalidArgument("writes", f"must hold between 1 and {v.MAX_BATCH_WRITES} writes")
        first: dict[str, int] = {}
        for i, write in enumerate(writes):
            earlier = first.setdefault(write.account_id, i)
            if earlier != i:
                raise InvalidArgument(
                    f"writes[{i}].account_id", f"at most one write per account (writes[{earlier}] has it)"
                )
        return await self.custody.apply_writes(lease, writes)
