"""Point reads that arrive together share one statement.

Under load most of a lookup's cost is the statement's fixed work in the driver and the event loop, not the
index probe. `CoalescedReads` keeps at most `max_in_flight` statements running and, while busy, starts
at most one per `min_interval_s`; keys asked for in between wait and go out together in the next one.
A lookup that finds nothing running and nobody waiting is sent at once (a lone caller never waits); a
busy process sends a few large reads instead of many small ones, trading at most `min_interval_s` of
latency for far less CPU per lookup.

When more than `max_batch` keys wait, several statements may start at once (up to `max_in_flight`).

Freshness: a key joins only a statement that starts after it was asked for, so a read never returns state
older than its request (a revocation that committed before the request was sent is always seen).

Tracing: each statement runs in the context of the first lookup it answers (so its span joins that
request's trace); the scheduling callbacks run in an empty context, never in a finished request's.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Generic, TypeVar

from guardian_coordinator.domain.errors import StoreUnavailable

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CoalescedReads(Generic[K, V]):
    def __init__(
        self,
        fetch: Callable[[Sequence[K]], Awaitable[Mapping[K, V]]],
        *,
        max_in_flight: int,
        min_interval_s: float,
        max_batch: int = 512,
    ) -> None:
        if max_in_flight < 1 or max_batch < 1 or min_interval_s < 0:
            raise ValueError("max_in_flight and max_batch must be at least 1, min_interval_s at least 0")
        self._fetch = fetch
        self._max_in_flight = max_in_flight
        self._min_interval_s = min_interval_s
        self._max_batch = max_batch
        self._waiting: dict[K, list[asyncio.Future[V | None]]] = {}
        self._first_context: dict[K, contextvars.Context] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._start_scheduled = False
        self._next_start_at = 0.0

    async def get(self, key: K) -> V | None:
        """The value for `key`, or None when the fetch found nothing; a fetch error is raised to every waiter."""
        future: asyncio.Future[V | None] = asyncio.get_running_loop().create_future()
        waiters = self._waiting.get(key)
        if waiters is None:
            self._waiting[key] = [future]
            self._first_context[key] = contextvars.copy_context()
        else:
            waiters.append(future)
        self._schedule_start()
        return await future

    def _schedule_start(self) -> None:
        if self._start_scheduled or len(self._in_flight) >= self._max_in_flight:
            return
        self._start_scheduled = True
        loop = asyncio.get_running_loop()
        busy = bool(self._in_flight) or len(self._waiting) > 1
        delay = self._next_start_at - loop.time()
        if busy and delay > 0:
            loop.call_later(delay, self._start, context=contextvars.Context())
        else:
            # Still deferred by one loop turn, so that requests which became ready together share it.
            loop.call_soon(self._start, context=contextvars.Context())

    def _start(self) -> None:
        self._start_scheduled = False
        loop = asyncio.get_running_loop()
        while self._waiting and len(self._in_flight) < self._max_in_flight:
            keys = [key for key, _ in zip(self._waiting, range(self._max_batch), strict=False)]
            batch = {key: self._waiting.pop(key) for key in keys}
            contexts = [self._first_context.pop(key) for key in keys]
            task = loop.create_task(self._run(batch), context=contexts[0])
            self._in_flight.add(task)
            task.add_done_callback(self._finished, context=contextvars.Context())
        self._next_start_at = loop.time() + self._min_interval_s

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if self._waiting:
            self._schedule_start()

    async def _run(self, batch: dict[K, list[asyncio.Future[V | None]]]) -> None:
        try:
            found = await self._fetch(list(batch))
        except asyncio.CancelledError:
            _fail(batch, StoreUnavailable("database unavailable: the lookup was cancelled (stopping)"))
            raise
        except Exception as exc:
            _fail(batch, exc)
            return
        for key, futures in batch.items():
            value = found.get(key)
            for future in futures:
                if not future.done():
                    future.set_result(value)


def _fail(batch: Mapping[K, list[asyncio.Future[V | None]]], exc: BaseException) -> None:
    """Every still-waiting lookup of the batch raises `exc`."""
    for futures in batch.values():
        for future in futures:
            if not future.done():
                future.set_exception(exc)
