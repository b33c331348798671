"""The lease loop of docs/contracts/canonicalization.md §2: three timers, biased full > fast > reconcile.

Every replica runs it. Each tick first acquires (or extends) the lease; a standby also tries on its own
heartbeat (every renew interval), so a crashed leader is replaced within TTL + renew interval and a
released lease within one renew interval. The pass then runs with the renewal timer beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from guardian_canonicalizer.domain.leadership import Leadership
from guardian_canonicalizer.domain.passes import STALE_LEASE_REASON, Passes
from guardian_canonicalizer.domain.ports import HeldLease
from guardian_canonicalizer.domain.scope import PassScope
from guardian_canonicalizer.domain.status import StatusBoard
from guardian_canonicalizer.metrics import Metrics

log = logging.getLogger("guardian.canonicalizer.worker")
journal = logging.getLogger("guardian.canonicalizer.journal")


@dataclass(frozen=True)
class Cadence:
    full_seconds: float = 10.0
    fast_seconds: float | None = 3.0  # None: fast promotion disabled
    reconcile_seconds: float | None = 60.0  # None: retention off (TTL 0)
    heartbeat_seconds: float = 3.0  # the renew interval


def next_slot(origin: float, interval: float, now: float) -> float:
    """The first multiple of `interval` after `now`, counted from `origin` (missed slots are skipped)."""
    return origin + (math.floor((now - origin) / interval) + 1) * interval


class Worker:
    def __init__(
        self, leadership: Leadership, passes: Passes, cadence: Cadence, status: StatusBoard, metrics: Metrics
    ) -> None:
        self._leadership = leadership
        self._passes = passes
        self._cadence = cadence
        self._status = status
        self._metrics = metrics
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Stop admitting work; the running pass finishes what it started."""
        self._status.role = "stopping"
        self._stopping.set()

    async def _idle(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), max(0.0, seconds))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        cadence = self._cadence
        origin = loop.time()
        inf = math.inf
        next_full = origin
        next_fast = origin if cadence.fast_seconds else inf
        next_reconcile = origin if cadence.reconcile_seconds else inf
        next_heartbeat = origin
        while not self._stopping.is_set():
            now = loop.time()
            if now >= next_full:
                kind = "full"
                next_full = next_slot(origin, cadence.full_seconds, now)
                deadline: float | None = None
            elif now >= next_fast:
                kind = "fast"
                assert cadence.fast_seconds is not None
                next_fast = now + cadence.fast_seconds
                deadline = min(now + cadence.fast_seconds, next_full)
            elif now >= next_reconcile:
                kind = "reconcile"
                assert cadence.reconcile_seconds is not None
                next_reconcile = now + cadence.reconcile_seconds
                deadline = next_full
            elif now >= next_heartbeat:
                next_heartbeat = now + cadence.heartbeat_seconds
                was_leader = self._leadership.is_leader
                if await self._leadership.acquire() is not None and not was_leader:
                    next_full = loop.time()  # just took over: run a full pass at once
                continue
            else:
                await self._idle(min(next_full, next_fast, next_reconcile, next_heartbeat) - now)
                continue

            if kind == "full" and cadence.fast_seconds:
                next_fast = inf  # reset before the pass; set again after it
            lease = await self._leadership.acquire()
            next_heartbeat = loop.time() + cadence.heartbeat_seconds
            if lease is not None:
                await self._run_pass(kind, lease, deadline)
            if kind == "full" and cadence.fast_seconds:
                next_fast = loop.time() + cadence.fast_seconds
        await self._leadership.release()

    async def _run_pass(self, kind: str, lease: HeldLease, deadline: float | None) -> None:
        scope = PassScope(deadline, self._stopping)
        started = time.monotonic()
        run = {"full": self._passes.full, "fast": self._passes.fast, "reconcile": self._passes.reconcile}[
            kind
        ]
        try:
            outcome = await self._leadership.while_renewing(lease, scope, run(lease.fence, scope))
        except Exception as exc:
            outcome = "error"
            log.warning("%s pass failed: %s", kind, exc)
        if scope.cancel_reason is not None:
            log.warning("%s pass cancelled: %s", kind, scope.cancel_reason)
            if scope.cancel_reason == STALE_LEASE_REASON:
                self._leadership.step_down(STALE_LEASE_REASON)
        self._metrics.pass_finished(kind, outcome, time.monotonic() - started)
        self._status.passes += 1
        self._status.last_pass_kind = kind
        self._status.last_pass_outcome = outcome
        self._status.last_pass_finished_at = datetime.now(UTC)
        if outcome != "completed" or kind != "fast":
            journal.debug("pass kind=%s fence=%d outcome=%s", kind, lease.fence_token, outcome)
