"""Pagination cursors and query rules of the dashboard feeds (docs/contracts/auth.md §2.12)."""

from __future__ import annotations

import base64
import secrets

import pytest

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.domain.cursors import CursorCodec, CursorKind, InvalidCursor
from guardian_gateway.domain.pagination import parse_limit, parse_paused_filter, parse_status_filter

KEY = secrets.token_bytes(32)
POSITION = {"s": 1_700_000_000, "ns": 123_456_000, "a": "0x" + "ab" * 15, "n": 7}


def test_a_cursor_round_trips_for_its_kind_and_scope() -> None:
    codec = CursorCodec(KEY)
    token = codec.mint(CursorKind.GLOBAL_DELTAS, "candidate", POSITION)
    assert "=" not in token and "+" not in token and "/" not in token
    assert CursorCodec(KEY).open(token, CursorKind.GLOBAL_DELTAS, "candidate") == POSITION


@pytest.mark.parametrize(
    ("kind", "scope"), [(CursorKind.ACCOUNT_LIST, "candidate"), (CursorKind.GLOBAL_DELTAS, "canonical")]
)
def test_another_kind_or_scope_is_refused(kind: CursorKind, scope: str) -> None:
    token = CursorCodec(KEY).mint(CursorKind.GLOBAL_DELTAS, "candidate", POSITION)
    with pytest.raises(InvalidCursor):
        CursorCodec(KEY).open(token, kind, scope)


def test_another_key_or_any_flipped_bit_is_refused() -> None:
    token = CursorCodec(KEY).mint(CursorKind.ACCOUNT_DELTAS, "0x" + "cd" * 15, {"n": 3})
    with pytest.raises(InvalidCursor):
        CursorCodec(secrets.token_bytes(32)).open(token, CursorKind.ACCOUNT_DELTAS, "0x" + "cd" * 15)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for index in range(len(raw)):
        flipped = bytearray(raw)
        flipped[index] ^= 0x80
        candidate = base64.urlsafe_b64encode(bytes(flipped)).rstrip(b"=").decode()
        with pytest.raises(InvalidCursor):
            CursorCodec(KEY).open(candidate, CursorKind.ACCOUNT_DELTAS, "0x" + "cd" * 15)


@pytest.mark.parametrize("token", ["", "a", "!!!!", "a" * 3000, "abc=", "Zm9v"])
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(InvalidCursor):
        CursorCodec(KEY).open(token, CursorKind.ACCOUNT_LIST, "all")


@pytest.mark.parametrize(("raw", "limit"), [(None, 50), ("", 50), ("1", 1), ("500", 500), ("+7", 7)])
def test_limits(raw: str | None, limit: int) -> None:
    assert parse_limit(raw) == limit


@pytest.mark.parametrize("raw", ["0", "501", "-1", "ten", " 5", "5.0", "9" * 30])
def test_bad_limits(raw: str) -> None:
    with pytest.raises(ErrorEnvelope) as error:
        parse_limit(raw)
    assert error.value.code == "invalid_limit" and error.value.http_status == 400


def test_status_filter_merges_duplicates_in_a_fixed_order() -> None:
    assert parse_status_filter(None) == parse_status_filter("") == ()
    assert parse_status_filter("discarded,candidate,discarded") == ("candidate", "discarded")
    for bad in ("pending", "candidate,", ",", "Candidate"):
        with pytest.raises(ErrorEnvelope) as error:
            parse_status_filter(bad)
        assert error.value.code == "invalid_status_filter"


def test_paused_filter() -> None:
    assert parse_paused_filter(None) is None and parse_paused_filter("true") is True
    assert parse_paused_filter("false") is False
    with pytest.raises(ErrorEnvelope):
        parse_paused_filter("1")
