"""Hostile HTTP input against the in-process gateway (issue 13 part 4): limiter keys bounded in size and count
after 3,000 hostile requests, and a body that never finishes arriving answered with 408 (the real-socket cases
are in tests/test_hostile_http.py)."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

from starlette.types import Message

from guardian_gateway.app import create_app
from guardian_gateway.config import GatewaySettings
from guardian_gateway.domain.http_limiter import (
    MAX_IDENTITY_CHARS,
    MAX_LIVE_KEYS,
    BoundedWindows,
    HttpLimits,
    HttpRateLimiter,
)
from guardian_gateway.runtime import resolve_runtime

if TYPE_CHECKING:
    from .conftest import GatewayFactory

MAX_KEY_CHARS = 200


async def test_limiter_keys_stay_bounded_under_hostile_paths_and_identities(
    make_gateway: GatewayFactory,
) -> None:
    """3,000 requests, each with a new 2 KB path, a new forwarded address, a 2 KB account_id and a long
    x-pubkey: the counters are keyed on the route template, a parsed address and cut identities, and no more
    than the cap stay live."""
    windows = BoundedWindows(max_keys=1_000)
    limits = {"rate_limit_enabled": True, "rate_burst_per_sec": 1_000_000, "rate_per_min": 1_000_000}
    async with make_gateway(rate_windows=windows, **limits) as client:
        for i in range(3_000):
            response = await client.get(
                f"/dashboard/accounts/{i:04d}{'a' * 2_000}",
                params={"account_id": f"{i}{'b' * 2_000}"},
                headers={"x-forwarded-for": f"10.{i // 256}.{i % 256}.1", "x-pubkey": "c" * 2_000},
            )
            assert response.status_code == 401  # reached the route: no operator cookie
            junk = await client.get(f"/{'z' * 2_000}{i}", headers={"x-forwarded-for": "not an address " * 50})
            assert junk.status_code == 404
    keys = windows.keys()
    assert len(keys) == 1_000
    assert max(len(key) for key in keys) <= MAX_KEY_CHARS
    endpoints = {key.split("|")[1] for key in keys if "|endpoint:" in key}
    assert endpoints <= {"endpoint:/dashboard/accounts/{account_id}", "endpoint:unmatched"}
    identities = [key.rsplit("|", 1)[1] for key in keys if "|account:" in key]
    assert identities and all(
        len(identity) <= len("account:") + MAX_IDENTITY_CHARS for identity in identities
    )


def test_the_default_limiter_is_bounded() -> None:
    limiter = HttpRateLimiter(HttpLimits(enabled=True, burst_per_sec=10, per_min=60))
    assert isinstance(limiter.windows, BoundedWindows) and limiter.windows.max_keys == MAX_LIVE_KEYS


async def test_a_body_that_never_finishes_gets_408() -> None:
    """A Content-Length larger than what is sent: the app is driven directly (ASGI), the client sending one
    chunk and then nothing. The app has no service clients: reaching a route would be a 500."""
    runtime = resolve_runtime(
        GatewaySettings(rate_limit_enabled=False, http_body_timeout_seconds=0.3), environ={}
    )
    app = create_app(runtime, None, None)  # type: ignore[arg-type]  # refused before any client is used
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/auth/verify",
        "raw_path": b"/auth/verify",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
        "client": ("203.0.113.7", 40000),
        "server": ("gateway.test", 80),
    }
    sent_first = False
    stalled = asyncio.Event()

    async def receive() -> Message:
        nonlocal sent_first
        if not sent_first:
            sent_first = True
            return {"type": "http.request", "body": b'{"commitment": ', "more_body": True}
        await stalled.wait()  # never set: the rest of the body never comes
        return {"type": "http.disconnect"}

    answer: list[Message] = []

    async def send(message: Message) -> None:
        answer.append(message)

    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    start, body = answer[0], answer[1]
    assert start["status"] == 408
    assert (b"connection", b"close") in start["headers"]
    assert json.loads(body["body"]) == {
        "code": "request_timeout",
        "message": "request not received in time",
        "meta": {"retryable": True},
    }
