"""HEAD on every GET route answers like GET without a body: same status, same headers (content-length and
content-type included), whether the route answers, refuses or is not found."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

import httpx
from starlette.routing import Route

from guardian_gateway.api import api_docs, custody, dashboard, evm, evm_proposals, fleet, operator, status
from guardian_gateway.console import routes as console
from guardian_testing.fixtures import StartService

if TYPE_CHECKING:
    from .conftest import GatewayFactory, ScriptedAuth

ACCOUNT = "0x" + "ab" * 15
# One value per path parameter of the GET routes; a new parameter name fails the test until it has one here.
PARAMETERS = {
    "account_id": ACCOUNT,
    "nonce": "1",
    "proposal_id": "0x" + "12" * 32,
    "name": "console.css",
    "action": "pause",
}
SIGNED = {"x-pubkey": "0x" + "01" * 32, "x-signature": "0x" + "02" * 64, "x-timestamp": "1700000000000"}


def get_templates() -> list[str]:
    """Every GET route of the app's routers (those app.py includes), read from the routes themselves so a new
    route is covered by default."""
    modules = (status, operator, evm, evm_proposals, custody, dashboard, fleet, api_docs, console)
    routes = [route for module in modules for route in module.router.routes]
    gets = [route.path for route in routes if isinstance(route, Route) and "GET" in (route.methods or ())]
    return [*gets, "/openapi.json"]


def concrete(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: PARAMETERS[match.group(1)], template)


def assert_head_like_get(path: str, get: httpx.Response, head: httpx.Response) -> None:
    assert head.status_code == get.status_code, path
    assert dict(head.headers) == dict(get.headers), path
    assert head.content == b"", path


async def test_head_on_every_get_route(make_gateway: GatewayFactory, fake_auth: ScriptedAuth) -> None:
    templates = get_templates()
    assert {"/state", "/delta", "/delta/since", "/pubkey", "/dashboard/accounts", "/console/accounts"} <= set(
        templates
    )
    query = {
        "account_id": ACCOUNT,
        "nonce": "1",
        "commitment": fake_auth.COMMITMENT,
        "address": fake_auth.WALLET,
    }
    cookies = (
        f"guardian_operator_session={fake_auth.OPERATOR_TOKEN}; guardian_evm_session={fake_auth.EVM_TOKEN}"
    )
    statuses = {}
    async with make_gateway() as client:
        for template in templates:
            path = concrete(template)
            for headers in ({}, {**SIGNED, "cookie": cookies}):
                get = await client.get(path, params=query, headers=headers)
                head = await client.head(path, params=query, headers=headers)
                assert_head_like_get(path, get, head)
                statuses[template, bool(headers)] = get.status_code
    # The comparison covered answers and refusals alike: signed routes refused without their headers, the
    # dashboard and console answering a session.
    assert statuses["/state", False] == 401
    assert statuses["/dashboard/accounts", False] == 401
    assert statuses["/dashboard/accounts", True] == 200
    assert statuses["/console/accounts", True] == 200
    assert statuses["/status", False] == 200


async def test_head_on_unknown_and_post_only_paths(make_gateway: GatewayFactory) -> None:
    async with make_gateway() as client:
        for path in ("/nope", "/delta/candidate/abandon", "/configure"):
            get, head = await client.get(path), await client.head(path)
            assert_head_like_get(path, get, head)
            assert get.status_code in (404, 405) and get.content


async def test_real_server_sends_no_body_bytes_after_a_head(
    start_service: StartService, fake_auth: ScriptedAuth, coordinator_target: str
) -> None:
    """On the wire: a HEAD's answer ends with its headers, so the next answer on the same connection starts
    right after them (a stray body would be read as the start of the next answer)."""
    process = start_service(
        "guardian-gateway",
        GUARDIAN_AUTH_TARGET=fake_auth.target,
        GUARDIAN_COORDINATOR_TARGET=coordinator_target,
    )
    host, _, port = process.addresses["http"].rpartition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            b"HEAD /status HTTP/1.1\r\nHost: gateway\r\n\r\nGET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n"
        )
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        following = await reader.readuntil(b"\r\n\r\n")
    finally:
        writer.close()
    assert head.startswith(b"HTTP/1.1 200 ")
    length = re.search(rb"(?i)\r\ncontent-length: (\d+)\r\n", head)
    assert length is not None and int(length.group(1)) > 0
    assert b"content-type: application/json" in head.lower()
    assert following.startswith(b"HTTP/1.1 200 ")
