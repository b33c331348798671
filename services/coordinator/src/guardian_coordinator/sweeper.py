"""Housekeeping on every replica: delete expired sessions and challenges. Reads already ignore them."""

from __future__ import annotations

import asyncio
import logging

from guardian_coordinator.domain.coordination import Coordination
from guardian_coordinator.domain.errors import StoreUnavailable

log = logging.getLogger(__name__)


async def sweep_once(coordination: Coordination) -> tuple[int, int]:
    return await coordination.sweep_sessions(), await coordination.sweep_challenges()


async def run_sweeper(coordination: Coordination, interval_seconds: float) -> None:
    """First tick at startup, then every interval. A failure is logged; the loop never stops by itself."""
    while True:
        try:
            sessions, challenges = await sweep_once(coordination)
            if sessions or challenges:
                log.info("sweep deleted %d expired sessions and %d expired challenges", sessions, challenges)
        except StoreUnavailable as exc:
            log.warning("sweep skipped, store unavailable: %s", exc)
        except Exception:
            log.exception("sweep failed")
        await asyncio.sleep(interval_seconds)
