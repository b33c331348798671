"""Housekeeping on every replica: delete expired sessions, challenges and EVM proposals. Reads already
ignore them (an expired proposal is also deleted when read)."""

from __future__ import annotations

import asyncio
import logging

from guardian_common.telemetry.metrics import STORE_ERRORS
from guardian_coordinator.domain.coordination import Coordination
from guardian_coordinator.domain.errors import StoreUnavailable
from guardian_coordinator.metrics import SWEEP_DELETED, SWEEP_RUNS

log = logging.getLogger(__name__)


async def sweep_once(coordination: Coordination) -> tuple[int, int]:
    return await coordination.sweep_sessions(), await coordination.sweep_challenges()


async def run_sweeper(coordination: Coordination, interval_seconds: float) -> None:
    """First tick at startup, then every interval. A failure is logged; the loop never stops by itself."""
    while True:
        try:
            sessions, challenges = await sweep_once(coordination)
            SWEEP_RUNS.labels("ok").inc()
            SWEEP_DELETED.labels("auth_sessions").inc(sessions)
            SWEEP_DELETED.labels("auth_challenges").inc(challenges)
            if sessions or challenges:
                log.info("sweep deleted %d expired sessions and %d expired challenges", sessions, challenges)
            proposals = await coordination.store.evm.sweep_expired()
            SWEEP_DELETED.labels("evm_proposals").inc(proposals)
            if proposals:
                log.info("sweep deleted %d expired EVM proposals", proposals)
        except StoreUnavailable as exc:
            SWEEP_RUNS.labels("store_unavailable").inc()
            STORE_ERRORS.labels("sweep").inc()
            log.warning("sweep skipped, store unavailable: %s", exc)
        except Exception:
            SWEEP_RUNS.labels("error").inc()
            log.exception("sweep failed")
        await asyncio.sleep(interval_seconds)
