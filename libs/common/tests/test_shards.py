"""The shard function and shard lease names the coordinator and the canonicalizers share."""

from __future__ import annotations

import hashlib
import random

import pytest

from guardian_common.shards import (
    MAX_SHARDS,
    parse_shard_lease_name,
    shard_key,
    shard_lease_name,
    shard_of,
)

ZEROS, ONES, MIXED = "0x" + "00" * 15, "0x" + "ff" * 15, "0x0123456789abcdef0123456789abcd"


def test_pinned_values_never_change() -> None:
    # Changing any of these moves accounts between shards of a running fleet: the coordinator's generated
    # column (migration 0003) and every canonicalizer must change together.
    assert [shard_key(a) for a in (ZEROS, ONES, MIXED)] == [1394802383, 3004205430, 2250774042]
    assert [shard_of(a, 16) for a in (ZEROS, ONES, MIXED)] == [15, 6, 10]
    assert [shard_of(a, 64) for a in (ZEROS, ONES, MIXED)] == [15, 54, 26]
    assert [shard_of(a, 4096) for a in (ZEROS, ONES, MIXED)] == [3791, 2422, 1562]
    assert all(shard_of(a, 1) == 0 for a in (ZEROS, ONES, MIXED))


def test_the_key_is_the_first_four_bytes_of_sha256_over_the_raw_id() -> None:
    account_id = "0x" + "a5" * 15
    digest = hashlib.sha256(bytes([0xA5] * 15)).digest()
    assert shard_key(account_id) == (digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]


def test_random_ids_spread_evenly_over_sixteen_shards() -> None:
    rng = random.Random(12)
    counts = [0] * 16
    for _ in range(10_000):
        counts[shard_of("0x" + rng.randbytes(15).hex(), 16)] += 1
    # 625 expected per shard, binomial standard deviation about 24: ±125 is five deviations.
    assert min(counts) >= 500 and max(counts) <= 750, counts


def test_lease_names_round_trip() -> None:
    for index, count in [(0, 1), (0, 16), (15, 16), (63, 64), (4095, 4096), (7, 1000)]:
        name = shard_lease_name(index, count)
        assert parse_shard_lease_name(name) == (index, count)
    assert shard_lease_name(3, 16) == "canonicalization/shard-3-of-16"


@pytest.mark.parametrize(
    "name",
    [
        "canonicalization",
        "canonicalization/shard-1-of-1",  # index must be below count
        "canonicalization/shard-16-of-16",
        "canonicalization/shard-01-of-16",  # leading zeros would give one shard two names
        "canonicalization/shard-1-of-016",
        "canonicalization/shard-0-of-0",
        "canonicalization/shard-0-of-4097",
        "canonicalization/shard--1-of-16",
        "canonicalization/shard-+1-of-16",
        "canonicalization/shard-1-of-16 ",
        "canonicalization/shard-1-of-16x",
        "xcanonicalization/shard-1-of-16",
        "canonicalization/shard-1-of-",
        "canonicalization/shard-a-of-16",
        "canonicalization/shard-١-of-16",  # a non-ASCII digit
    ],
)
def test_other_names_are_not_shard_lease_names(name: str) -> None:
    assert parse_shard_lease_name(name) is None


@pytest.mark.parametrize(("index", "count"), [(0, 0), (1, 1), (-1, 4), (0, MAX_SHARDS + 1)])
def test_impossible_shards_have_no_name(index: int, count: int) -> None:
    with pytest.raises(ValueError):
        shard_lease_name(index, count)


@pytest.mark.parametrize("count", [0, -1, MAX_SHARDS + 1])
def test_shard_of_refuses_impossible_counts(count: int) -> None:
    with pytest.raises(ValueError):
        shard_of(ZEROS, count)
