"""Sharded leases (docs/canonicalizer.md, "Shards"): membership, fair share, renewal and write deadlines.

Accounts map to S shards (`guardian_common.shards.shard_of`); each shard is its own fenced lease in the
coordinator. Every replica runs a `ShardManager` on its own task and timer, independent of pass work:
every renew interval one Heartbeat refreshes its membership row and renews every shard it holds, and
answers the live members and every shard's holder. From that the replica computes its fair share
(`fair_share`) and moves toward it: it acquires shards nobody holds live (lowest index first, which
includes the expired ones of departed replicas) or releases its surplus (highest indexes first).

A replica joins before it takes anything (`register`, at boot): its membership row goes in first, and its
first acquisition waits one renew interval, so replicas that start together all see each other when they
first acquire and the first round already splits fairly. (Without it the first to heartbeat took every
shard and released the surplus one renew interval later, after which the others took it at their next
heartbeat: work moved between replicas and a short backlog was read by several.)

A shard stops writing before its lease can expire: its write deadline is the local time the last
successful renewal (or the acquisition) was sent, plus the TTL, minus a safety margin of one renew
interval. Passes check it before every page, account and batch (`PassScope`); the coordinator's fence
check in the write's own transaction refuses whatever was already on its way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from guardian_canonicalizer.domain.ports import (
    HeldLease,
    Membership,
    ShardLeases,
    StoreUnavailable,
)
from guardian_canonicalizer.domain.status import ShardStatus, StatusBoard
from guardian_canonicalizer.metrics import Metrics

log = logging.getLogger("guardian.canonicalizer.lease")
journal = logging.getLogger("guardian.canonicalizer.journal")


def fair_share(shard_count: int, members: Collection[str], me: str) -> int:
    """How many shards `me` should hold among `members` (itself counted even when missing): members
    sorted by id, rank r of M → S // M, plus one for the first S % M ranks. The shares sum to S."""
    ordered = sorted({*members, me})
    rank = ordered.index(me)
    return shard_count // len(ordered) + (1 if rank < shard_count % len(ordered) else 0)


@dataclass(eq=False)
class HeldShard:
    """A shard this replica holds, and what its passes check before they write."""

    lease: HeldLease
    write_deadline: float  # loop.time() after which nothing is written under this lease
    lost: str | None = None  # why it stopped writing (lost, expired, released); None while held
    draining: bool = False  # being released: its pass finishes what it admitted, admits nothing more
    running: int = 0  # passes over it in flight
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.idle.set()

    @property
    def index(self) -> int:
        return self.lease.shard.index

    def writable(self) -> bool:
        return self.lost is None and asyncio.get_running_loop().time() < self.write_deadline

    def admitting(self) -> bool:
        return not self.draining and self.writable()


class ShardManager:
    def __init__(
        self,
        leases: ShardLeases,
        *,
        holder_id: str,
        shard_count: int,
        ttl_seconds: float,
        renew_interval_seconds: float,
        status: StatusBoard,
        metrics: Metrics,
    ) -> None:
        self._leases = leases
        self.holder_id = holder_id
        self.shard_count = shard_count
        self._ttl = ttl_seconds
        self._renew_interval = renew_interval_seconds
        # Writes stop one renew interval before the lease could expire: room for a write in flight.
        self._margin = renew_interval_seconds
        self._status = status
        self._metrics = metrics
        self.held: dict[int, HeldShard] = {}
        self.changed = asyncio.Event()  # set when shards were acquired (the worker runs a full pass)
        self._fresh: set[int] = set()
        self._leaving = False
        self._stop = asyncio.Event()
        self._releases: set[asyncio.Task[None]] = set()
        self._conflict: int | None = None
        self._registered_at: float | None = None  # loop.time() the membership row went in (`register`)
        status.shard_count = shard_count

    # --- what the worker reads ---------------------------------------------------------------------

    def shards(self) -> list[HeldShard]:
        return [self.held[i] for i in sorted(self.held)]

    def take_fresh(self) -> list[HeldShard]:
        """Shards acquired since the last call (a full pass runs over them at once)."""
        fresh = [self.held[i] for i in sorted(self._fresh) if i in self.held]
        self._fresh.clear()
        return fresh

    @property
    def has_fresh(self) -> bool:
        return any(i in self.held for i in self._fresh)

    @contextlib.contextmanager
    def busy(self, shard: HeldShard) -> Iterator[None]:
        """Marks a pass over `shard` in flight (a release waits for it to end)."""
        shard.running += 1
        shard.idle.clear()
        try:
            yield
        finally:
            shard.running -= 1
            if shard.running == 0:
                shard.idle.set()

    # --- bookkeeping ---------------------------------------------------------------------------------

    def _publish(self) -> None:
        shards = self.shards()
        self._status.shards = [ShardStatus(s.index, s.lease.fence_token, s.lease.expires_at) for s in shards]
        if self._status.role != "stopping":
            self._status.role = "leader" if shards else "standby"
        self._metrics.holding([s.lease.fence_token for s in shards])

    def _deadline(self, sent: float) -> float:
        return sent + self._ttl - self._margin

    def _forget(self, shard: HeldShard, why: str | None) -> bool:
        """Takes the shard off the held set; `why` also stops its writes (None: it drains first)."""
        if self.held.get(shard.index) is not shard:
            return False
        if why is None:
            shard.draining = True
        else:
            shard.lost = why
        del self.held[shard.index]
        self._fresh.discard(shard.index)
        return True

    def drop(self, shard: HeldShard, outcome: str, why: str) -> None:
        """Stop writing for `shard` now, without releasing it (lost, past its deadline, or a refused
        write): its passes stop at their next checkpoint."""
        if not self._forget(shard, why):
            return
        self._metrics.shard_losses.labels(outcome).inc()
        log.warning("shard %d (fence %d) dropped: %s", shard.index, shard.lease.fence_token, why)
        journal.info(
            "lease dropped name=%s holder=%s fence=%d reason=%s",
            shard.lease.name,
            self.holder_id,
            shard.lease.fence_token,
            why,
        )
        self._publish()

    def expire_overdue(self) -> None:
        now = asyncio.get_running_loop().time()
        for shard in self.shards():
            if now >= shard.write_deadline:
                self.drop(shard, "expired", "no successful renewal before the write deadline")

    def _note_gap(self, before: HeldLease, after: HeldLease) -> None:
        """Both expiries are TTL after a renewal on the database clock: their difference is the gap."""
        gap = (after.expires_at - before.expires_at).total_seconds()
        if gap > self._status.longest_renewal_gap_seconds:
            self._status.longest_renewal_gap_seconds = gap
            self._metrics.longest_renewal_gap.set(gap)

    # --- one heartbeat round -------------------------------------------------------------------------

    async def heartbeat(self) -> None:
        """Renews every held shard and refreshes membership; then moves toward the fair share."""
        loop = asyncio.get_running_loop()
        sent = loop.time()
        current = self.shards()
        try:
            membership = await self._leases.heartbeat(
                self.holder_id,
                self.shard_count,
                self._ttl,
                self._ttl,
                [s.lease for s in current],
                passes=self._status.pass_reports(),
            )
        except StoreUnavailable as exc:
            if current:
                self._metrics.renew_failures.labels("error").inc(len(current))
            log.warning("heartbeat failed: %s", exc)
            self.expire_overdue()
            return
        renewed = {lease.name: lease for lease in membership.renewed}
        for shard in current:
            if self.held.get(shard.index) is not shard:
                continue  # dropped while the heartbeat was on its way
            lease = renewed.get(shard.lease.name)
            if lease is None or lease.fence_token != shard.lease.fence_token:
                self._metrics.renew_failures.labels("lost").inc()
                self.drop(shard, "lost", "lease lost (taken over or expired)")
                continue
            self._note_gap(shard.lease, lease)
            shard.lease = lease
            shard.write_deadline = self._deadline(sent)
        self.expire_overdue()
        if not self._leaving:
            await self._rebalance(membership)
        self._publish()

    async def _rebalance(self, membership: Membership) -> None:
        peers = [m.replica_id for m in membership.members if m.shard_count == self.shard_count]
        share = fair_share(self.shard_count, peers, self.holder_id)
        mine = sorted(self.held)
        if len(mine) > share:
            self._release_later([self.held[i] for i in mine[share:]])
        elif len(mine) < share:
            elsewhere = {h.index for h in membership.holders if h.live and h.holder_id != self.holder_id}
            free = [i for i in range(self.shard_count) if i not in self.held and i not in elsewhere]
            if free:
                await self._acquire(free[: share - len(mine)])

    async def _acquire(self, indexes: list[int]) -> None:
        sent = asyncio.get_running_loop().time()
        try:
            got = await self._leases.acquire_shards(self.holder_id, self.shard_count, indexes, self._ttl)
        except StoreUnavailable as exc:
            log.warning("shard acquisition failed: %s", exc)
            return
        if got.conflicting_shard_count:
            if self._conflict != got.conflicting_shard_count:
                log.error(
                    "shard leases of count %d are live: this replica runs with %d and takes none until "
                    "the replicas of the other count stop",
                    got.conflicting_shard_count,
                    self.shard_count,
                )
            self._conflict = got.conflicting_shard_count
            return
        self._conflict = None
        for lease in got.leases:
            index = lease.shard.index
            held = self.held.get(index)
            if held is not None and held.lease.fence_token == lease.fence_token:
                held.lease, held.write_deadline = lease, self._deadline(sent)
                continue
            self.held[index] = HeldShard(lease, self._deadline(sent))
            self._fresh.add(index)
            self._metrics.shard_acquisitions.inc()
            journal.info(
                "lease acquired name=%s holder=%s fence=%d acquired_at=%s expires_at=%s",
                lease.name,
                self.holder_id,
                lease.fence_token,
                lease.acquired_at.isoformat(),
                lease.expires_at.isoformat(),
            )
        if got.leases:
            log.info("acquired shards %s", [lease.shard.index for lease in got.leases])
            self.changed.set()

    # --- releases ------------------------------------------------------------------------------------

    def _release_later(self, surplus: list[HeldShard]) -> None:
        """Stops admitting work on the surplus now; releases each once its pass sent what it had decided
        (bounded by its write deadline), on a task of its own so renewals of the others never wait."""
        for shard in surplus:
            self._forget(shard, None)
        self._publish()
        task = asyncio.create_task(self._release(surplus, "rebalance", leave=False))
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def _release(self, shards: list[HeldShard], outcome: str, *, leave: bool) -> None:
        loop = asyncio.get_running_loop()
        for shard in shards:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(shard.idle.wait(), max(0.0, shard.write_deadline - loop.time()))
            shard.lost = shard.lost or f"released ({outcome})"
        if not shards and not leave:
            return
        try:
            await self._leases.release_shards(self.holder_id, [s.lease for s in shards], leave)
        except StoreUnavailable as exc:
            log.warning("shard release failed (the leases expire on their own): %s", exc)
            return
        self._metrics.shard_releases.labels(outcome).inc(len(shards))
        for shard in shards:
            journal.info(
                "lease released name=%s holder=%s fence=%d held_until=%s",
                shard.lease.name,
                self.holder_id,
                shard.lease.fence_token,
                shard.lease.expires_at.isoformat(),
            )

    # --- joining -------------------------------------------------------------------------------------

    async def register(self) -> None:
        """Joins the membership without taking a shard (one Heartbeat renewing nothing). Call it at boot,
        before `settle` and `run`: peers that start meanwhile count this replica in their share."""
        sent = asyncio.get_running_loop().time()
        try:
            await self._leases.heartbeat(self.holder_id, self.shard_count, self._ttl, self._ttl, [])
        except StoreUnavailable as exc:
            log.warning("joining the membership failed (the first heartbeat joins): %s", exc)
            return
        self._registered_at = sent

    async def settle(self) -> None:
        """Waits until one renew interval after `register`: every peer that heartbeats on schedule has
        seen this replica by then, and every peer that registered before it is seen by its first
        acquisition. The membership row (TTL = lease TTL > 2 renew intervals) stays live meanwhile."""
        if self._registered_at is None:
            return
        loop = asyncio.get_running_loop()
        wait = self._registered_at + self._renew_interval - loop.time()
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)

    # --- the heartbeat task --------------------------------------------------------------------------

    async def run(self) -> None:
        """Heartbeats every renew interval until `leave()`; between and during them, shards whose write
        deadline passed are dropped (a heartbeat that hangs never keeps a shard writable)."""
        loop = asyncio.get_running_loop()
        await self.settle()  # at once when main settled before serving (or never registered)
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            while not self._stop.is_set():
                sent = loop.time()
                round_ = asyncio.ensure_future(self.heartbeat())
                while not round_.done() and not self._stop.is_set():
                    deadlines = [s.write_deadline for s in self.held.values()]
                    timeout = max(0.005, min(deadlines) - loop.time()) if deadlines else None
                    await asyncio.wait(
                        {round_, stopping}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                    )
                    self.expire_overdue()
                if not round_.done():
                    round_.cancel()  # leaving: a heartbeat still without an answer is abandoned
                    with contextlib.suppress(asyncio.CancelledError):
                        await round_
                    break
                if not round_.cancelled() and (exc := round_.exception()) is not None:
                    log.error("heartbeat round failed", exc_info=exc)
                # One renew interval after this round was sent; at once when the round itself took
                # longer (skipping to a later slot would stretch the gap between renewals).
                wake = sent + self._renew_interval
                while (now := loop.time()) < wake and not self._stop.is_set():
                    until = min([wake, *(s.write_deadline for s in self.held.values())])
                    await asyncio.wait({stopping}, timeout=max(0.005, until - now))
                    self.expire_overdue()
        finally:
            stopping.cancel()

    async def leave(self) -> None:
        """Shutdown: release every shard at once and leave the membership (call after the passes
        ended; `run` stops)."""
        self._leaving = True
        self._stop.set()
        if self._releases:
            await asyncio.gather(*self._releases, return_exceptions=True)
        shards = self.shards()
        for shard in shards:
            self._forget(shard, "released (shutdown)")
        self._publish()
        await self._release(shards, "shutdown", leave=True)
