"""How long a gateway may answer from one session check without asking again (docs/auth.md "Session reuse").

A gateway that caches a positive check for `window_ms`, counted from when it *sent* the check, can never use it
after a logout has been answered: every logout waits the same window after its revocation committed before it
answers. A session in its last minute is never handed out for reuse, so its expiry holds on the next request even
between machines whose clocks differ by well under that minute.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

# Beyond the window, a logout also waits for scheduling jitter and for the two processes' monotonic clocks
# running at slightly different rates over one window.
SETTLE_MARGIN_SECONDS = 0.05
# Sessions this close to their expiry are checked at the store on every request.
EXPIRY_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class WalletCheck:
    """A live wallet session's address and how long the caller may reuse this answer (0: not at all)."""

    address: str
    reuse_for_ms: int


@dataclass(frozen=True)
class SessionReuse:
    window_ms: int = 0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def window_for(self, expires_at: datetime, now: datetime | None = None) -> int:
        if self.window_ms <= 0:
            return 0
        remaining = (expires_at - (now or datetime.now(UTC))).total_seconds()
        if remaining < self.window_ms / 1000 + EXPIRY_MARGIN_SECONDS:
            return 0
        return self.window_ms

    async def settle(self) -> None:
        """Called after a revocation committed: returns once no reusable answer given before it can be used."""
        if self.window_ms > 0:
            await self.sleep(self.window_ms / 1000 + SETTLE_MARGIN_SECONDS)


NO_REUSE = SessionReuse(0)
