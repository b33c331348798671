"""Cooperative cancellation of one pass: lease loss, shutdown and the pass deadline stop admitting work.

Work already admitted (a chain probe, a fenced write) finishes; the fence protects its write.
"""

from __future__ import annotations

import asyncio


class PassScope:
    def __init__(self, deadline: float | None, stopping: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._deadline = deadline  # loop.time() after which no new work is admitted
        self._stopping = stopping
        self.cancel_reason: str | None = None

    def cancel(self, reason: str) -> None:
        if self.cancel_reason is None:
            self.cancel_reason = reason

    @property
    def cancelled(self) -> bool:
        return self.cancel_reason is not None or self._stopping.is_set()

    def admit(self) -> bool:
        """The checkpoint before each account and each candidate."""
        if self.cancelled:
            return False
        return self._deadline is None or self._loop.time() < self._deadline
