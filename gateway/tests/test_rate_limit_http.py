"""The global limiter as HTTP clients see it (docs/contracts/ops.md §1.4–1.6), on a manual clock."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from guardian_common.rate_windows import FixedWindows

if TYPE_CHECKING:
    from .conftest import GatewayFactory


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def assert_refused(response: httpx.Response, retry_after: int) -> None:
    assert response.status_code == 429
    assert response.headers["retry-after"] == str(retry_after)
    assert response.json() == {
        "code": "rate_limit_exceeded",
        "message": "too many requests, try again shortly",
        "meta": {"retryable": True, "retry_after_secs": retry_after},
    }


async def test_burst_per_ip_and_route(make_gateway: GatewayFactory) -> None:
    clock = ManualClock()
    limits = {"rate_limit_enabled": True, "rate_burst_per_sec": 2, "rate_per_min": 100}
    async with make_gateway(rate_windows=FixedWindows(clock), **limits) as client:
        assert [(await client.get("/status")).status_code for _ in range(2)] == [200, 200]
        assert_refused(await client.get("/status"), 1)
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/status?x=1")).status_code == 429  # the query is not part of the path
        # Same route, other raw path: same bucket (ours: the route template, so paths cannot mint keys).
        assert (await client.get("/%73tatus")).status_code == 429
        other_ip = {"x-forwarded-for": "198.51.100.9"}
        assert (await client.get("/status", headers=other_ip)).status_code == 200
        clock.now += 1
        assert (await client.get("/status")).status_code == 200


async def test_sustained_per_ip_across_paths(make_gateway: GatewayFactory) -> None:
    clock = ManualClock()
    limits = {"rate_limit_enabled": True, "rate_burst_per_sec": 100, "rate_per_min": 3}
    async with make_gateway(rate_windows=FixedWindows(clock), **limits) as client:
        for path in ("/", "/status", "/nope"):
            assert (await client.get(path)).status_code in (200, 404)
        assert_refused(await client.get("/auth/challenge?commitment=c"), 60)
        real_ip = {"x-real-ip": "192.0.2.1"}
        assert (await client.get("/status", headers=real_ip)).status_code == 200
        clock.now += 60
        assert (await client.get("/status")).status_code == 200


async def test_forwarded_for_rightmost_entry_is_the_key(make_gateway: GatewayFactory) -> None:
    limits = {"rate_limit_enabled": True, "rate_burst_per_sec": 100, "rate_per_min": 1}
    async with make_gateway(rate_windows=FixedWindows(ManualClock()), **limits) as client:
        first = {"x-forwarded-for": "203.0.113.50, 198.51.100.1"}
        assert (await client.get("/status", headers=first)).status_code == 200
        same_rightmost = {"x-forwarded-for": "10.9.9.9, 198.51.100.1"}
        assert (await client.get("/status", headers=same_rightmost)).status_code == 429
        # an unparseable rightmost entry falls back to the peer, which is still unused
        garbage = {"x-forwarded-for": "198.51.100.1, garbage"}
        assert (await client.get("/status", headers=garbage)).status_code == 200
        assert (await client.get("/status")).status_code == 429


async def test_limits_are_this_replicas_share(make_gateway: GatewayFactory) -> None:
    limits = {"rate_limit_enabled": True, "rate_burst_per_sec": 100, "rate_per_min": 5}
    env = {"GUARDIAN_MAX_REPLICAS": "2"}
    async with make_gateway(env=env, rate_windows=FixedWindows(ManualClock()), **limits) as client:
        assert [(await client.get("/status")).status_code for _ in range(3)] == [200, 200, 429]


async def test_kill_switch(make_gateway: GatewayFactory) -> None:
    async with make_gateway(rate_limit_enabled=False, rate_burst_per_sec=0, rate_per_min=0) as client:
        assert {(await client.get("/status")).status_code for _ in range(20)} == {200}


async def test_probes_and_preflights_are_never_limited(make_gateway: GatewayFactory) -> None:
    async with make_gateway(rate_limit_enabled=True, rate_burst_per_sec=0, rate_per_min=0) as client:
        assert (await client.get("/status")).status_code == 429
        assert (await client.get("/openapi.json")).status_code == 429
        for _ in range(5):
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 200
        preflight = await client.options(
            "/auth/verify", headers={"origin": "https://app.example", "access-control-request-method": "POST"}
        )
        assert preflight.status_code == 200


async def test_refusals_carry_cors_headers(make_gateway: GatewayFactory) -> None:
    limits = {"rate_limit_enabled": True, "rate_burst_per_sec": 0, "rate_per_min": 0}
    async with make_gateway(cors_allowed_origins="https://app.example", **limits) as client:
        response = await client.get("/status", headers={"origin": "https://app.example"})
    assert_refused(response, 1)
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "retry-after"
