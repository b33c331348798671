"""The gateway's idle keep-alive timeout (GUARDIAN_HTTP_KEEP_ALIVE_SECONDS, docs/gateway.md "HTTP server").

A load balancer that sends a request on a pooled connection just as the gateway closes it loses that request
(CI saw it as a read error on a direct client whose connections sat idle for uvicorn's default 5 s). So:

- every load balancer in deploy/ closes its idle connections before the gateway does: the gateway's default
  is longer than Caddy's keepalive (here) and the ALB's idle_timeout (tests/test_deploy_ecs.py);
- the setting reaches the server: a connection stays usable for several requests, and once idle for the
  configured time the gateway closes it (seen as EOF on a raw socket).
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

from guardian_gateway.config import GatewaySettings
from guardian_testing.fleet import Fleet, custody_fleet_fixture

ROOT = Path(__file__).resolve().parents[1]
CADDYFILES = [ROOT / "deploy/compose/Caddyfile", ROOT / "deploy/compose/Caddyfile.fleet"]
KEEP_ALIVE_SECONDS = 1
UVICORN_DEFAULT_SECONDS = 5


def gateway_default_seconds() -> float:
    return float(GatewaySettings.model_fields["http_keep_alive_seconds"].default)


@pytest.mark.parametrize("caddyfile", CADDYFILES, ids=lambda path: path.name)
def test_caddy_closes_idle_connections_before_the_gateway(caddyfile: Path) -> None:
    found = re.search(r"transport http \{[^}]*?\bkeepalive (\d+)s\b", caddyfile.read_text())
    assert found, f"{caddyfile.name}: no keepalive in the reverse_proxy transport (Caddy's default is 2 min)"
    assert 0 < int(found[1]) < gateway_default_seconds()


fleet = custody_fleet_fixture(
    "keep-alive",
    coordinators=1,
    auth=1,
    gateways=1,
    env={"GUARDIAN_HTTP_KEEP_ALIVE_SECONDS": str(KEEP_ALIVE_SECONDS)},
)


async def read_answer(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = re.search(rb"\r\ncontent-length: (\d+)\r\n", head.lower())
    assert length, head
    return head + await reader.readexactly(int(length[1]))


@pytest.mark.slow
async def test_an_idle_connection_is_kept_then_closed_after_the_configured_time(fleet: Fleet) -> None:
    host, port = fleet.gateways[0].addresses["http"].rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        for _ in range(3):  # one connection, several requests: keep-alive is on
            # The gateway's idle timer starts after it answers, so never before this moment.
            last_sent = time.monotonic()
            writer.write(b"GET /healthz HTTP/1.1\r\nhost: gateway\r\n\r\n")
            await writer.drain()
            answer = await asyncio.wait_for(read_answer(reader), timeout=30)
            assert answer.startswith(b"HTTP/1.1 200 "), answer
        # Idle now: the gateway closes its side after KEEP_ALIVE_SECONDS, not after uvicorn's own 5 s.
        assert await asyncio.wait_for(reader.read(), timeout=UVICORN_DEFAULT_SECONDS - 0.5) == b""
        assert time.monotonic() - last_sent >= KEEP_ALIVE_SECONDS  # kept while it was not yet due
    finally:
        writer.close()
