"""CoalescedReads: lookups that arrive together share a statement, never an older one than their request."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Mapping, Sequence

import pytest

from guardian_coordinator.domain.errors import StoreUnavailable
from guardian_coordinator.store.postgres.coalesced_reads import CoalescedReads

# A bound that fails a test that hangs instead of finishing; never a wait for something to happen.
GUARD_S = 10


class RecordingFetch:
    """Answers `value-of-<key>` for keys in `known`; each call can be held open until released."""

    def __init__(self, known: set[str], *, hold: bool = False) -> None:
        self.known = known
        self.batches: list[list[str]] = []
        self.started = asyncio.Queue[list[str]]()
        self.release = asyncio.Event()
        if not hold:
            self.release.set()
        self.fail_next: Exception | None = None

    async def __call__(self, keys: Sequence[str]) -> Mapping[str, str]:
        batch = list(keys)
        self.batches.append(batch)
        self.started.put_nowait(batch)
        await self.release.wait()
        if self.fail_next is not None:
            failure, self.fail_next = self.fail_next, None
            raise failure
        return {key: f"value-of-{key}" for key in batch if key in self.known}


def reads(
    fetch: RecordingFetch, *, in_flight: int = 1, interval_s: float = 0.0, max_batch: int = 512
) -> CoalescedReads[str, str]:
    return CoalescedReads(fetch, max_in_flight=in_flight, min_interval_s=interval_s, max_batch=max_batch)


async def test_an_idle_reader_sends_each_lookup_at_once_whatever_the_interval() -> None:
    fetch = RecordingFetch({"a", "b", "c"})
    coalesced = reads(fetch, interval_s=3600)
    for key in ("a", "b", "c"):
        assert await asyncio.wait_for(coalesced.get(key), GUARD_S) == f"value-of-{key}"
    assert fetch.batches == [["a"], ["b"], ["c"]]


async def test_lookups_that_arrive_together_share_one_statement_and_each_gets_its_own_answer() -> None:
    fetch = RecordingFetch({f"k{i}" for i in range(0, 50, 2)})
    coalesced = reads(fetch)
    answers = await asyncio.wait_for(asyncio.gather(*(coalesced.get(f"k{i}") for i in range(50))), GUARD_S)
    assert answers == [f"value-of-k{i}" if i % 2 == 0 else None for i in range(50)]
    assert len(fetch.batches) == 1 and sorted(fetch.batches[0]) == sorted(f"k{i}" for i in range(50))


async def test_the_same_key_twice_is_fetched_once_and_answers_both() -> None:
    fetch = RecordingFetch({"a"})
    coalesced = reads(fetch)
    assert list(await asyncio.gather(coalesced.get("a"), coalesced.get("a"))) == ["value-of-a", "value-of-a"]
    assert fetch.batches == [["a"]]


async def test_a_lookup_made_while_a_statement_runs_waits_for_the_next_one() -> None:
    fetch = RecordingFetch({"early", "late-1", "late-2"}, hold=True)
    coalesced = reads(fetch, in_flight=1)
    early = asyncio.create_task(coalesced.get("early"))
    assert await asyncio.wait_for(fetch.started.get(), GUARD_S) == ["early"]

    late = [asyncio.create_task(coalesced.get(key)) for key in ("late-1", "late-2")]
    await asyncio.sleep(0)  # let both register; the only statement slot is taken
    assert fetch.started.empty(), "nothing else may start while the only slot is busy"

    fetch.release.set()
    assert await asyncio.wait_for(early, GUARD_S) == "value-of-early"
    assert await asyncio.wait_for(asyncio.gather(*late), GUARD_S) == ["value-of-late-1", "value-of-late-2"]
    assert fetch.batches == [["early"], ["late-1", "late-2"]], (
        "a key asked for during a statement must not be answered by that statement"
    )


async def test_batches_never_exceed_max_batch() -> None:
    fetch = RecordingFetch({f"k{i}" for i in range(10)})
    coalesced = reads(fetch, in_flight=1, max_batch=4)
    await asyncio.wait_for(asyncio.gather(*(coalesced.get(f"k{i}") for i in range(10))), GUARD_S)
    assert [len(batch) for batch in fetch.batches] == [4, 4, 2]


async def test_a_failed_statement_fails_every_lookup_in_it_and_the_next_one_works() -> None:
    fetch = RecordingFetch({"a", "b"})
    fetch.fail_next = StoreUnavailable("database unavailable: OperationalError")
    coalesced = reads(fetch)
    outcomes = await asyncio.gather(coalesced.get("a"), coalesced.get("b"), return_exceptions=True)
    assert all(isinstance(outcome, StoreUnavailable) for outcome in outcomes), outcomes
    assert await asyncio.wait_for(coalesced.get("a"), GUARD_S) == "value-of-a"


async def test_a_cancelled_lookup_does_not_disturb_the_others_in_its_statement() -> None:
    fetch = RecordingFetch({"a", "b"}, hold=True)
    coalesced = reads(fetch)
    first, second = asyncio.create_task(coalesced.get("a")), asyncio.create_task(coalesced.get("b"))
    await asyncio.wait_for(fetch.started.get(), GUARD_S)
    first.cancel()
    fetch.release.set()
    assert await asyncio.wait_for(second, GUARD_S) == "value-of-b"
    with pytest.raises(asyncio.CancelledError):
        await first


def test_nonsense_limits_are_refused() -> None:
    fetch = RecordingFetch(set())
    with pytest.raises(ValueError, match="max_in_flight"):
        reads(fetch, in_flight=0)
    with pytest.raises(ValueError, match="min_interval_s"):
        reads(fetch, interval_s=-1)


async def test_under_load_statements_start_at_most_once_per_interval() -> None:
    fetch = RecordingFetch({"first", "second"}, hold=True)
    coalesced = reads(fetch, in_flight=2, interval_s=0.05)
    loop = asyncio.get_running_loop()
    first = asyncio.create_task(coalesced.get("first"))
    await asyncio.wait_for(fetch.started.get(), GUARD_S)
    first_started = loop.time()

    second = asyncio.create_task(coalesced.get("second"))  # a slot is free, but a statement is running
    await asyncio.wait_for(fetch.started.get(), GUARD_S)
    assert loop.time() - first_started >= 0.05
    fetch.release.set()
    assert list(await asyncio.wait_for(asyncio.gather(first, second), GUARD_S)) == [
        "value-of-first",
        "value-of-second",
    ]


async def test_the_same_key_asked_again_during_its_statement_gets_a_statement_of_its_own() -> None:
    fetch = RecordingFetch({"a"}, hold=True)
    coalesced = reads(fetch, in_flight=2)
    first = asyncio.create_task(coalesced.get("a"))
    assert await asyncio.wait_for(fetch.started.get(), GUARD_S) == ["a"]
    again = asyncio.create_task(coalesced.get("a"))  # e.g. after a revocation that committed meanwhile
    assert await asyncio.wait_for(fetch.started.get(), GUARD_S) == ["a"], (
        "a repeat of a key already in a running statement must not be answered by that statement"
    )
    fetch.release.set()
    assert list(await asyncio.wait_for(asyncio.gather(first, again), GUARD_S)) == ["value-of-a", "value-of-a"]
    assert fetch.batches == [["a"], ["a"]]


REQUEST = contextvars.ContextVar[str]("request")


async def test_each_statement_runs_in_the_context_of_a_lookup_it_answers() -> None:
    seen: list[tuple[list[str], str | None]] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def fetch(keys: Sequence[str]) -> Mapping[str, str]:
        seen.append((list(keys), REQUEST.get(None)))
        started.set()
        await release.wait()
        return {key: key for key in keys}

    coalesced: CoalescedReads[str, str] = CoalescedReads(fetch, max_in_flight=1, min_interval_s=0)

    async def lookup(key: str) -> str | None:
        REQUEST.set(f"request-{key}")
        return await coalesced.get(key)

    first = asyncio.create_task(lookup("k0"))
    await asyncio.wait_for(started.wait(), GUARD_S)
    later = [asyncio.create_task(lookup(f"k{i}")) for i in range(1, 4)]
    await asyncio.sleep(0)
    release.set()
    await asyncio.wait_for(asyncio.gather(first, *later), GUARD_S)

    assert [keys for keys, _ in seen] == [["k0"], ["k1", "k2", "k3"]]
    for keys, context in seen:
        assert context in {f"request-{key}" for key in keys}, (keys, context)
