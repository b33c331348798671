"""Cooperative cancellation of one pass over one shard: shard loss, a release, shutdown and the pass
deadline stop admitting work; losing the shard (or its write deadline passing) also stops writing.

Work already admitted (a chain probe) finishes; a batch whose shard is no longer writable is not sent,
and the coordinator's fence check refuses whatever was already on its way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from guardian_canonicalizer.domain.status import PassTally


class PassScope:
    def __init__(
        self,
        deadline: float | None,
        stopping: asyncio.Event,
        writable: Callable[[], bool] | None = None,
        admitting: Callable[[], bool] | None = None,
        tally: PassTally | None = None,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._deadline = deadline  # loop.time() after which no new work is admitted
        self._stopping = stopping
        self._writable = writable  # False once the shard is lost or its write deadline passed
        self._admitting = admitting  # False once the shard is being released: finish, start nothing
        self.cancel_reason: str | None = None
        self.tally = tally if tally is not None else PassTally()  # shared by the shard passes of a round

    def cancel(self, reason: str) -> None:
        if self.cancel_reason is None:
            self.cancel_reason = reason

    def may_write(self) -> bool:
        """Whether a batch decided under this scope may still be sent (shutdown lets it finish)."""
        return self.cancel_reason is None and (self._writable is None or self._writable())

    @property
    def cancelled(self) -> bool:
        return not self.may_write() or self._stopping.is_set()

    def admit(self) -> bool:
        """The checkpoint before each page and each account."""
        if self.cancelled or (self._admitting is not None and not self._admitting()):
            return False
        return self._deadline is None or self._loop.time() < self._deadline
