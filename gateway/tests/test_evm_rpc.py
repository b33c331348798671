"""The JSON-RPC chain reader against loopback sockets that misbehave the way nodes do: silent (timeout),
closed, answering a JSON-RPC error, a revert, or `0x` (no contract). The answers against a real node are in
tests/test_evm_proposals_e2e.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.clients.evm_rpc import EvmRpc
from guardian_gateway.evm_settings import DEFAULT_ENTRYPOINT, EvmChains

ACCOUNT = "0x" + "11" * 20
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def node(handler: Handler) -> AsyncIterator[EvmRpc]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    rpc = EvmRpc(EvmChains({31337: f"http://127.0.0.1:{port}"}, DEFAULT_ENTRYPOINT), timeout_seconds=0.5)
    try:
        yield rpc
    finally:
        await rpc.aclose()
        server.close()
        await server.wait_closed()


def answering(body: dict[str, object]) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        request = json.loads(await reader.readexactly(length))
        payload = json.dumps({"jsonrpc": "2.0", "id": request["id"], **body}).encode()
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
        writer.write(b"content-length: %d\r\n\r\n" % len(payload) + payload)
        await writer.drain()
        writer.close()

    return handle


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # never answers; the client's timeout ends it


async def closing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def code_of(rpc: EvmRpc) -> str:
    with pytest.raises(ErrorEnvelope) as caught:
        await rpc.entrypoint_nonce(31337, ACCOUNT, 0)
    return caught.value.code


async def test_a_nonce_is_read_and_decoded() -> None:
    async with node(answering({"result": "0x" + (41).to_bytes(32, "big").hex()})) as rpc:
        assert await rpc.entrypoint_nonce(31337, ACCOUNT, 5) == 41


@pytest.mark.parametrize(
    "handler", [silent, closing, answering({"error": {"code": -32603, "message": "boom"}})]
)
async def test_a_node_that_fails_is_retryable_503(handler: Handler) -> None:
    async with node(handler) as rpc:
        assert await code_of(rpc) == "rpc_unavailable"
    assert ErrorEnvelope.of("rpc_unavailable").http_status == 503
    assert ErrorEnvelope.of("rpc_unavailable").retryable


@pytest.mark.parametrize(
    "body",
    [{"error": {"code": 3, "message": "execution reverted"}}, {"result": "0x"}],
)
async def test_a_refused_or_empty_call_is_validation_failed(body: dict[str, object]) -> None:
    async with node(answering(body)) as rpc:
        assert await code_of(rpc) == "rpc_validation_failed"


async def test_an_unknown_chain_is_unsupported() -> None:
    async with node(silent) as rpc:
        with pytest.raises(ErrorEnvelope) as caught:
            await rpc.entrypoint_nonce(1, ACCOUNT, 0)
    assert caught.value.code == "unsupported_evm_chain" and caught.value.http_status == 400
