"""Cookie formatting and parsing (docs/contracts/auth.md §1.2–1.4)."""

from __future__ import annotations

import locale
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from guardian_gateway.domain.cookies import EVM, OPERATOR, clearing_cookie, cookie_value, imf_date, set_cookie

DAY = "(Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
IMF = re.compile(rf"{DAY}, \d{{2}} {MONTH} \d{{4}} \d{{2}}:\d{{2}}:\d{{2}} GMT")


def test_imf_date_format() -> None:
    assert imf_date(datetime(2026, 7, 5, 9, 3, 7, 999_999, tzinfo=UTC)) == "Sun, 05 Jul 2026 09:03:07 GMT"
    plus_two = timezone(timedelta(hours=2))
    assert imf_date(datetime(2026, 1, 1, 1, 0, 0, tzinfo=plus_two)) == "Wed, 31 Dec 2025 23:00:00 GMT"
    assert IMF.fullmatch(imf_date(datetime.now(UTC)))


def test_imf_date_ignores_the_process_locale() -> None:
    previous = locale.setlocale(locale.LC_TIME)
    try:
        for name in ("de_DE.UTF-8", "fr_FR.UTF-8"):
            try:
                locale.setlocale(locale.LC_TIME, name)
            except locale.Error:
                continue
            assert imf_date(datetime(2026, 3, 2, tzinfo=UTC)) == "Mon, 02 Mar 2026 00:00:00 GMT"
    finally:
        locale.setlocale(locale.LC_TIME, previous)


def test_session_cookie_attributes() -> None:
    expires = datetime(2026, 7, 20, 18, 5, tzinfo=UTC)
    line = set_cookie("guardian_operator_session", "ab" * 32, max_age=28800, expires=expires, secure=False)
    assert line == (
        f"guardian_operator_session={'ab' * 32}; HttpOnly; SameSite=Strict; Path=/; Max-Age=28800; "
        "Expires=Mon, 20 Jul 2026 18:05:00 GMT"
    )
    assert "Domain" not in line


def test_secure_flag() -> None:
    expires = datetime(2026, 7, 20, tzinfo=UTC)
    assert set_cookie("n", "v", max_age=1, expires=expires, secure=True).endswith("; Secure")
    assert "Secure" not in set_cookie("n", "v", max_age=1, expires=expires, secure=False)


def test_clearing_cookie() -> None:
    assert clearing_cookie("guardian_evm_session", secure=False) == (
        "guardian_evm_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; "
        "Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    )
    assert clearing_cookie("guardian_evm_session", secure=True).endswith("; Secure")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], None),
        (["guardian_operator_session=tok"], "tok"),
        (["a=1; guardian_operator_session=tok; b=2"], "tok"),
        (["a=1;guardian_operator_session=tok"], "tok"),
        (["guardian_operator_session=first; guardian_operator_session=second"], "first"),
        (["other=1", "guardian_operator_session=in-second-header"], None),
        (['guardian_operator_session="quoted"'], '"quoted"'),
        (["guardian_operator_session=a=b"], "a=b"),
        (["guardian_operator_session="], ""),
        (["Guardian_Operator_Session=tok"], None),
        (["guardian_operator_session =tok"], None),
        (["guardian_operator_session; guardian_operator_session=tok"], "tok"),
        (["xguardian_operator_session=tok"], None),
        (["  guardian_operator_session=tok  ;"], "tok"),
    ],
)
def test_cookie_parsing(headers: list[str], expected: str | None) -> None:
    assert cookie_value(headers, "guardian_operator_session") == expected


def test_token_shapes() -> None:
    assert OPERATOR.well_formed("ab" * 32)
    assert not OPERATOR.well_formed("0x" + "ab" * 32)
    assert not OPERATOR.well_formed("AB" * 32)
    assert not OPERATOR.well_formed("ab" * 33)
    assert not OPERATOR.well_formed("")
    assert EVM.well_formed("0x" + "ab" * 32)
    assert not EVM.well_formed("ab" * 32)
    assert not EVM.well_formed("0x" + "zz" * 32)
    assert not EVM.well_formed("0x" + "ab" * 32 + "\n")
