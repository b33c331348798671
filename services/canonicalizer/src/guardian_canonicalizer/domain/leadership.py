"""The `canonicalization` lease: acquire on every tick, renew on its own timer while a pass runs.

One renewal error is tolerated (the TTL leaves room for the next attempt); a second consecutive error,
or a definitive loss (taken over or expired), cancels the pass at its next checkpoint. Every lease
event goes to the `guardian.canonicalizer.journal` logger with the database-clock times.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from dataclasses import replace
from typing import TypeVar

from guardian_canonicalizer.domain.ports import HeldLease, LeaseService, StoreUnavailable
from guardian_canonicalizer.domain.scope import PassScope
from guardian_canonicalizer.domain.status import StatusBoard
from guardian_canonicalizer.metrics import Metrics

LEASE_NAME = "canonicalization"
log = logging.getLogger("guardian.canonicalizer.lease")
journal = logging.getLogger("guardian.canonicalizer.journal")
T = TypeVar("T")


class Leadership:
    def __init__(
        self,
        leases: LeaseService,
        *,
        holder_id: str,
        ttl_seconds: float,
        renew_interval_seconds: float,
        status: StatusBoard,
        metrics: Metrics,
    ) -> None:
        self._leases = leases
        self.holder_id = holder_id
        self._ttl = ttl_seconds
        self._renew_interval = renew_interval_seconds
        self._status = status
        self._metrics = metrics
        self.lease: HeldLease | None = None

    @property
    def is_leader(self) -> bool:
        return self.lease is not None

    def _set(self, lease: HeldLease | None) -> None:
        self.lease = lease
        self._status.fence_token = lease.fence_token if lease else 0
        if self._status.role != "stopping":
            self._status.role = "leader" if lease else "standby"
        self._metrics.holding(lease.fence_token if lease else None)

    def step_down(self, why: str) -> None:
        if self.lease is not None:
            log.warning("stepping down (fence %d): %s", self.lease.fence_token, why)
            journal.info(
                "lease dropped holder=%s fence=%d reason=%s", self.holder_id, self.lease.fence_token, why
            )
        self._set(None)

    async def acquire(self) -> HeldLease | None:
        """Acquires or extends the lease; any failure leaves this replica a standby (fail closed)."""
        try:
            lease = await self._leases.acquire(LEASE_NAME, self.holder_id, self._ttl)
        except StoreUnavailable as exc:
            log.warning("lease acquire failed: %s", exc)
            self.step_down("acquire failed")
            return None
        if lease is None:
            if self.lease is not None:
                self.step_down("held by another replica")
            return None
        if self.lease is None or self.lease.fence_token != lease.fence_token:
            self._metrics.lease_acquisitions.inc()
            log.info("leading with fence %d", lease.fence_token)
            journal.info(
                "lease acquired holder=%s fence=%d acquired_at=%s expires_at=%s",
                self.holder_id,
                lease.fence_token,
                lease.acquired_at.isoformat(),
                lease.expires_at.isoformat(),
            )
        self._set(lease)
        return lease

    async def release(self) -> None:
        """Expires the lease in place, so a standby takes over at its next tick instead of after the TTL."""
        lease = self.lease
        if lease is None:
            return
        try:
            await self._leases.release(lease.fence)
            journal.info(
                "lease released holder=%s fence=%d held_until=%s",
                self.holder_id,
                lease.fence_token,
                lease.expires_at.isoformat(),
            )
        except StoreUnavailable as exc:
            log.warning("lease release failed (it expires on its own): %s", exc)
        self._set(None)

    async def _renew_until_lost(self, lease: HeldLease, scope: PassScope) -> None:
        errors = 0
        while True:
            await asyncio.sleep(self._renew_interval)
            try:
                renewed = await self._leases.renew(lease.fence, self._ttl)
            except StoreUnavailable as exc:
                errors += 1
                self._metrics.renew_failures.labels("error").inc()
                log.warning("lease renewal failed (%d in a row): %s", errors, exc)
                if errors >= 2:
                    self.step_down("two consecutive renewal errors")
                    scope.cancel("lease renewal failed twice")
                    return
                continue
            if renewed is None:
                self._metrics.renew_failures.labels("lost").inc()
                self.step_down("lease lost")
                scope.cancel("lease lost")
                return
            errors = 0
            if self.lease is not None and self.lease.fence_token == lease.fence_token:
                self.lease = replace(self.lease, expires_at=renewed)

    async def while_renewing(self, lease: HeldLease, scope: PassScope, work: Awaitable[T]) -> T:
        """Runs `work` with the renewal timer beside it; the timer stops when the work ends."""
        renewer = asyncio.create_task(self._renew_until_lost(lease, scope))
        try:
            return await work
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
