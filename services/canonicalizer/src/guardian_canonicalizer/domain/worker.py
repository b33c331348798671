"""The pass loop of docs/contracts/canonicalization.md §2, over the shards this replica holds: three timers,
biased full > fast > reconcile, and a full pass at once over shards just acquired.

The leases are not this loop's business: the `ShardManager` renews them on its own task and timer, so a
long pass never delays a renewal. Each pass over a shard runs in its own `PassScope`, which stops
admitting work when the shard is lost or its write deadline passes; at most `max_concurrent_shards`
shard passes run at once.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from guardian_canonicalizer.domain.clock import next_slot
from guardian_canonicalizer.domain.passes import STALE_LEASE_REASON, WRONG_SHARD_REASON, Passes
from guardian_canonicalizer.domain.scope import PassScope
from guardian_canonicalizer.domain.shards import HeldShard, ShardManager
from guardian_canonicalizer.domain.status import PassTally, StatusBoard
from guardian_canonicalizer.metrics import Metrics

log = logging.getLogger("guardian.canonicalizer.worker")
journal = logging.getLogger("guardian.canonicalizer.journal")
# A refused write means the fence is no longer good for this shard: stop writing under it.
REFUSALS = {STALE_LEASE_REASON: "stale_lease", WRONG_SHARD_REASON: "wrong_shard"}


@dataclass(frozen=True)
class Cadence:
    full_seconds: float = 10.0
    fast_seconds: float | None = 3.0  # None: fast promotion disabled
    reconcile_seconds: float | None = 60.0  # None: retention off (TTL 0)


class Worker:
    def __init__(
        self,
        shards: ShardManager,
        passes: Passes,
        cadence: Cadence,
        status: StatusBoard,
        metrics: Metrics,
        max_concurrent_shards: int = 4,
    ) -> None:
        self._shards = shards
        self._passes = passes
        self._cadence = cadence
        self._status = status
        self._metrics = metrics
        self._max_concurrent_shards = max_concurrent_shards
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Stop admitting work; the running passes finish what they started."""
        self._status.role = "stopping"
        self._stopping.set()

    async def _idle(self, seconds: float) -> None:
        """Sleeps until the next timer, a stop, or newly acquired shards."""
        wakers = [
            asyncio.ensure_future(self._stopping.wait()),
            asyncio.ensure_future(self._shards.changed.wait()),
        ]
        try:
            await asyncio.wait(wakers, timeout=max(0.0, seconds), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waker in wakers:
                waker.cancel()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        cadence = self._cadence
        origin = loop.time()
        inf = math.inf
        next_full = origin
        next_fast = origin if cadence.fast_seconds else inf
        next_reconcile = origin if cadence.reconcile_seconds else inf
        while not self._stopping.is_set():
            self._shards.changed.clear()
            now = loop.time()
            deadline: float | None = None
            if now >= next_full:
                kind, shards = "full", self._shards.shards()
                self._shards.take_fresh()
                next_full = next_slot(origin, cadence.full_seconds, now)
            elif self._shards.has_fresh:
                kind, shards = "full", self._shards.take_fresh()  # just acquired: a full pass at once
            elif now >= next_fast:
                assert cadence.fast_seconds is not None
                kind, shards = "fast", self._shards.shards()
                next_fast = now + cadence.fast_seconds
                deadline = min(now + cadence.fast_seconds, next_full)
            elif now >= next_reconcile:
                assert cadence.reconcile_seconds is not None
                kind, shards = "reconcile", self._shards.shards()
                next_reconcile = now + cadence.reconcile_seconds
                deadline = next_full
            else:
                await self._idle(min(next_full, next_fast, next_reconcile) - now)
                continue

            if kind == "full" and cadence.fast_seconds:
                next_fast = inf  # reset before the pass; set again after it
            await self._run_passes(kind, shards, deadline)
            if kind == "full" and cadence.fast_seconds:
                next_fast = loop.time() + cadence.fast_seconds

    async def _run_passes(self, kind: str, shards: list[HeldShard], deadline: float | None) -> None:
        """One round: a pass of `kind` over each held shard. Its summary (the shards' counts added up, the
        worst outcome) goes on the status board, which the next heartbeat reports to the coordinator."""
        slots = asyncio.Semaphore(self._max_concurrent_shards)
        tally = PassTally()
        outcomes: list[str] = []

        async def one(shard: HeldShard) -> None:
            async with slots:
                if shard.admitting() and not self._stopping.is_set():
                    outcomes.append(await self._run_pass(kind, shard, deadline, tally))

        await asyncio.gather(*(one(shard) for shard in shards))
        self._status.record_round(kind, outcomes, tally)

    async def _run_pass(self, kind: str, shard: HeldShard, deadline: float | None, tally: PassTally) -> str:
        scope = PassScope(deadline, self._stopping, shard.writable, shard.admitting, tally)
        started = time.monotonic()
        run = {"full": self._passes.full, "fast": self._passes.fast, "reconcile": self._passes.reconcile}[
            kind
        ]
        fence = shard.lease.fence
        with self._shards.busy(shard):
            try:
                outcome = await run(fence, scope)
            except Exception as exc:
                outcome = "error"
                log.warning("%s pass over shard %d failed: %s", kind, shard.index, exc)
        if scope.cancel_reason is not None:
            log.warning("%s pass over shard %d cancelled: %s", kind, shard.index, scope.cancel_reason)
            if scope.cancel_reason in REFUSALS:
                self._shards.drop(shard, REFUSALS[scope.cancel_reason], scope.cancel_reason)
        self._metrics.pass_finished(kind, outcome, time.monotonic() - started)
        self._status.passes += 1
        self._status.last_pass_kind = kind
        self._status.last_pass_outcome = outcome
        self._status.last_pass_finished_at = datetime.now(UTC)
        if outcome != "completed" or kind != "fast":
            journal.debug(
                "pass kind=%s lease=%s fence=%d outcome=%s", kind, fence.lease_name, fence.token, outcome
            )
        return outcome
