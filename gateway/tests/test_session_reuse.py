"""Wallet session checks reused for the window auth grants (domain/session_cache.py, usecases/sessions.py)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from guardian.auth.v1 import auth_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.domain.session_cache import SessionCache, token_key

if TYPE_CHECKING:
    from .conftest import GatewayFactory, ScriptedAuth

COOKIE = "guardian_evm_session"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lasts_its_window_counted_from_when_the_check_was_sent() -> None:
    clock = Clock()
    cache: SessionCache[str] = SessionCache(10, clock)
    key = token_key("0x" + "cd" * 32)
    cache.put(key, "wallet", sent_at=99.5, reuse_for_ms=1000)  # answered half a second after it was sent
    assert cache.get(key) == "wallet"
    clock.now = 100.49
    assert cache.get(key) == "wallet"
    clock.now = 100.5
    assert cache.get(key) is None and len(cache) == 0


def test_nothing_is_kept_without_a_window_an_entry_slot_or_time_left() -> None:
    clock = Clock()
    key = token_key("t")
    for max_entries, sent_at, window in ((10, 100.0, 0), (0, 100.0, 1000), (10, 98.0, 1000)):
        cache: SessionCache[str] = SessionCache(max_entries, clock)
        cache.put(key, "wallet", sent_at=sent_at, reuse_for_ms=window)
        assert cache.get(key) is None and len(cache) == 0


def test_a_full_cache_drops_its_oldest_entry_and_forget_removes_one() -> None:
    cache: SessionCache[int] = SessionCache(3, Clock())
    keys = [token_key(str(i)) for i in range(5)]
    for i, key in enumerate(keys):
        cache.put(key, i, sent_at=100.0 + i / 100, reuse_for_ms=1000)
    assert len(cache) == 3
    assert [cache.get(key) for key in keys] == [None, None, 2, 3, 4]
    cache.forget(keys[3])
    assert cache.get(keys[3]) is None and len(cache) == 2


def test_keys_are_digests_not_tokens() -> None:
    token = "0x" + "cd" * 32
    assert token_key(token) == hashlib.sha256(token.encode()).digest()


async def test_a_reused_check_does_not_ask_auth_and_logout_forgets_it_first(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async def reusable(request: Any) -> pb.EvmPrincipal:
        if request.token in fake_auth.revoked:
            raise ErrorEnvelope.of("authentication_failed")
        return pb.EvmPrincipal(address=fake_auth.WALLET, reuse_for_ms=60_000)

    fake_auth.answers["EvmAuth/Authenticate"] = reusable
    headers = {"cookie": f"{COOKIE}={fake_auth.EVM_TOKEN}"}
    async with make_gateway() as client:
        for _ in range(3):
            response = await client.get("/evm/session", headers=headers)
            assert response.status_code == 200 and response.json() == {"address": fake_auth.WALLET}
        assert len(fake_auth.called("EvmAuth/Authenticate")) == 1

        assert (await client.post("/evm/auth/logout", headers=headers)).status_code == 200
        after = await client.get("/evm/session", headers=headers)
        assert after.status_code == 401 and after.json()["code"] == "authentication_failed"
        assert len(fake_auth.called("EvmAuth/Authenticate")) == 2


async def test_refusals_and_windowless_answers_are_asked_every_time(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway() as client:
        for _ in range(2):
            ok = await client.get("/evm/session", headers={"cookie": f"{COOKIE}={fake_auth.EVM_TOKEN}"})
            assert ok.status_code == 200
            refused = await client.get("/evm/session", headers={"cookie": f"{COOKIE}=0x{'ee' * 32}"})
            assert refused.status_code == 401
    assert len(fake_auth.called("EvmAuth/Authenticate")) == 4
