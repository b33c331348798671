"""Body caps by route: GUARDIAN_MAX_REQUEST_BYTES for /configure and /delta, GUARDIAN_MAX_SMALL_REQUEST_BYTES for
every other route; the cap applies to the bytes received, with or without Content-Length."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx

from guardian_gateway.middleware.body_limit import LargeBodies

if TYPE_CHECKING:
    from .conftest import GatewayFactory, ScriptedAuth

LIMIT = 100


def body_of_size(size: int) -> bytes:
    """A verify body of exactly `size` bytes."""
    base = json.dumps({"commitment": "c", "signature": ""}).encode()
    return base.replace(b'"signature": ""', b'"signature": "' + b"a" * (size - len(base)) + b'"')


async def chunks(body: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert response.json() == {
        "code": "payload_too_large",
        "message": "request body too large",
        "meta": {"retryable": False},
    }


async def test_bodies_up_to_the_limit_pass(make_gateway: GatewayFactory, fake_auth: ScriptedAuth) -> None:
    headers = {"content-type": "application/json"}
    async with make_gateway(max_small_request_bytes=LIMIT) as client:
        exact = await client.post("/auth/verify", content=body_of_size(LIMIT), headers=headers)
        streamed = await client.post("/auth/verify", content=chunks(body_of_size(LIMIT)), headers=headers)
    assert exact.status_code == 401 and streamed.status_code == 401  # reached auth
    assert [len(body_of_size(LIMIT)), len(fake_auth.called("OperatorAuth/Verify"))] == [LIMIT, 2]


async def test_declared_length_above_the_limit_is_refused(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway(max_small_request_bytes=LIMIT) as client:
        response = await client.post(
            "/auth/verify", content=body_of_size(LIMIT + 1), headers={"content-type": "application/json"}
        )
    assert_too_large(response)
    assert response.headers["connection"] == "close"
    assert fake_auth.calls == []


async def test_chunked_body_without_length_is_counted(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    async with make_gateway(max_small_request_bytes=LIMIT) as client:
        response = await client.post(
            "/evm/auth/verify",
            content=chunks(body_of_size(LIMIT + 1)),
            headers={"content-type": "application/json"},
        )
    assert "content-length" not in response.request.headers
    assert_too_large(response)
    assert fake_auth.calls == []


async def test_an_understated_content_length_does_not_help(make_gateway: GatewayFactory) -> None:
    async with make_gateway(max_small_request_bytes=LIMIT) as client:
        request = client.build_request(
            "POST", "/auth/logout", content=chunks(b"x" * (LIMIT * 3)), headers={"content-length": "5"}
        )
        response = await client.send(request)
    assert_too_large(response)


async def test_every_route_is_covered(make_gateway: GatewayFactory) -> None:
    async with make_gateway(max_small_request_bytes=LIMIT) as client:
        for method, path in (("POST", "/auth/logout"), ("GET", "/status"), ("POST", "/nope")):
            assert_too_large(await client.request(method, path, content=b"x" * (LIMIT + 1)))


async def test_payload_routes_have_their_own_cap(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    """A body over the small cap still reaches /delta's own checks (here: no signature headers → 401), while
    the same body on a login route is 413; above the payload cap /delta is 413 too, before auth is asked."""
    body = json.dumps({"account_id": "0x" + "a" * 30, "pad": "x" * (3 * LIMIT)}).encode()
    headers = {"content-type": "application/json"}
    async with make_gateway(max_small_request_bytes=LIMIT, max_request_bytes=10 * LIMIT) as client:
        pushed = await client.post("/delta", content=body, headers=headers)
        configured = await client.post("/configure", content=body, headers=headers)
        login = await client.post("/auth/verify", content=body, headers=headers)
        abandon = await client.post("/delta/candidate/abandon", content=body, headers=headers)
        huge = await client.post("/delta", content=b"x" * (10 * LIMIT + 1), headers=headers)
    assert [pushed.status_code, configured.status_code] == [401, 401]
    assert_too_large(login)
    assert_too_large(abandon)
    assert_too_large(huge)
    assert fake_auth.calls == []


async def test_default_caps(make_gateway: GatewayFactory) -> None:
    """1 MiB of payload plus 64 KiB of envelope on the payload routes, 8 KiB elsewhere."""
    async with make_gateway() as client:
        small = await client.post("/auth/logout", content=b"x" * 8_193)
        fits = await client.post("/auth/logout", content=b"x" * 8_192)
    assert_too_large(small)
    assert fits.status_code == 200


def large_push(blob_bytes: int = 100_000) -> dict[str, object]:
    return {
        "account_id": "0x" + "ab" * 15,
        "nonce": 3,
        "prev_commitment": "0x" + "cd" * 32,
        "delta_payload": {"patch": {"blob": "x" * blob_bytes}},
    }


async def test_large_bodies_take_turns_and_the_rest_get_a_retryable_503(
    make_gateway: GatewayFactory, fake_auth: ScriptedAuth
) -> None:
    """One large body in flight and none waiting: while the first push waits on auth, a second large push is
    refused at once with a retryable 503 (its body read and dropped, nothing forwarded), a small push and a
    health check go through, and once the turn is free a large push reaches auth again."""
    headers = {"x-pubkey": "0x02", "x-signature": "0x00", "x-timestamp": "1"}
    hold = fake_auth.hold("AccountAuth/AuthorizePush")
    async with make_gateway(max_large_requests_in_flight=1, max_large_requests_waiting=0) as client:
        first = asyncio.create_task(client.post("/delta", json=large_push(), headers=headers))
        await hold.entered.wait()
        busy = await client.post("/delta", json=large_push(), headers=headers)
        assert busy.status_code == 503 and busy.headers["connection"] == "close"
        assert busy.json() == {
            "code": "service_unavailable",
            "message": "too many large requests at once; retry shortly",
            "meta": {"retryable": True},
        }
        assert (await client.get("/healthz")).status_code == 200
        assert len(fake_auth.called("AccountAuth/AuthorizePush")) == 1
        small_hold = fake_auth.hold("AccountAuth/AuthorizePush")
        small = asyncio.create_task(client.post("/delta", json=large_push(10), headers=headers))
        await small_hold.entered.wait()  # the small push reached auth: the large one's turn does not hold it
        hold.release.set()
        small_hold.release.set()
        assert (await first).status_code == 401 and (await small).status_code == 401
        assert (await client.post("/delta", json=large_push(), headers=headers)).status_code == 401
    assert len(fake_auth.called("AccountAuth/AuthorizePush")) == 3


async def test_large_body_turns_queue_a_bounded_number_and_time_out() -> None:
    turns = LargeBodies(in_flight=1, waiting=1)
    assert await turns.acquire(1.0)
    waiter = asyncio.create_task(turns.acquire(5.0))
    await asyncio.sleep(0)  # one loop turn: the task runs until it waits for the turn
    assert turns.waiting == 1
    assert not await turns.acquire(5.0)  # the one waiting place is taken: refused at once
    turns.release()
    assert await waiter  # the waiter got the freed turn
    assert not await turns.acquire(0.01)  # nobody releases within the wait: refused, and not left waiting
    assert turns.waiting == 0
    turns.release()
    assert await turns.acquire(0.0)
