"""Session reuse (domain/session_reuse.py): which wallet checks a gateway may reuse and for how long, and a logout
that answers only once every reusable check given before its revocation has run out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import cast

from guardian_auth.domain.evm import EvmLogins
from guardian_auth.domain.session_reuse import EXPIRY_MARGIN_SECONDS, SETTLE_MARGIN_SECONDS, SessionReuse
from guardian_auth.domain.stores import LoginStore, Realm, StoredSession
from guardian_auth.domain.tokens import storage_key

TOKEN = "0x" + "cd" * 32
WALLET = "0x" + "ab" * 20
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_a_window_is_granted_only_while_the_session_has_more_than_the_margin_left() -> None:
    reuse = SessionReuse(500)
    far = NOW + timedelta(seconds=EXPIRY_MARGIN_SECONDS + 1)
    near = NOW + timedelta(seconds=EXPIRY_MARGIN_SECONDS + 0.4)
    assert reuse.window_for(far, NOW) == 500
    assert reuse.window_for(near, NOW) == 0
    assert reuse.window_for(NOW - timedelta(seconds=1), NOW) == 0
    assert SessionReuse(0).window_for(far, NOW) == 0


class Sessions:
    """The session half of a LoginStore, recording revocations."""

    def __init__(self, expires_at: datetime) -> None:
        self.expires_at = expires_at
        self.revoked: list[bytes] = []

    async def get_session(self, realm: Realm, digest: bytes) -> StoredSession | None:
        assert realm is Realm.EVM and digest == storage_key(TOKEN)
        if digest in self.revoked:
            return None
        return StoredSession(json.dumps({"realm": "evm", "address": WALLET}), self.expires_at)

    async def revoke_session(self, realm: Realm, digest: bytes) -> bool:
        fresh = digest not in self.revoked
        self.revoked.append(digest)
        return fresh


def logins(
    store: Sessions, window_ms: int, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> EvmLogins:
    return EvmLogins(
        cast(LoginStore, store),
        challenge_ttl_seconds=300,
        session_ttl_seconds=3600,
        reuse=SessionReuse(window_ms, sleep),
    )


async def test_authenticate_grants_the_window_and_none_near_expiry() -> None:
    store = Sessions(datetime.now(UTC) + timedelta(hours=1))
    verified = await logins(store, 700).authenticate(TOKEN)
    assert verified.address == WALLET and verified.reuse_for_ms == 700
    store.expires_at = datetime.now(UTC) + timedelta(seconds=30)
    assert (await logins(store, 700).authenticate(TOKEN)).reuse_for_ms == 0
    assert (
        await logins(Sessions(store.expires_at + timedelta(hours=1)), 0).authenticate(TOKEN)
    ).reuse_for_ms == 0


async def test_logout_revokes_first_then_waits_out_the_window() -> None:
    store = Sessions(datetime.now(UTC) + timedelta(hours=1))
    waits: list[tuple[float, int]] = []

    async def recorded(seconds: float) -> None:
        waits.append((seconds, len(store.revoked)))

    assert await logins(store, 700, recorded).logout(TOKEN) is True
    assert waits == [(0.7 + SETTLE_MARGIN_SECONDS, 1)]  # the wait starts after the revocation
    assert await logins(store, 0, recorded).logout(TOKEN) is False
    assert await logins(store, 700, recorded).logout("not a token") is False
    assert waits == [(0.7 + SETTLE_MARGIN_SECONDS, 1)]  # no window, or nothing revoked: no wait
