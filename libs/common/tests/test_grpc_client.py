"""The internal client skeleton against a real local grpc.aio server: deadline, token, error mapping, close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest

from guardian_common.grpc_client import InternalClient, internal_channel

METHOD = "/guardian.test.Probe/Echo"


def echo_method(channel: grpc.aio.Channel) -> grpc.aio.UnaryUnaryMultiCallable:  # type: ignore[type-arg]
    """The raw method: bytes in, bytes out (no protobuf needed to exercise the skeleton)."""
    return channel.unary_unary(METHOD, request_serializer=None, response_deserializer=None)


@dataclass
class Seen:
    metadata: list[dict[str, str]] = field(default_factory=list)
    time_remaining: list[float | None] = field(default_factory=list)


class Refused(Exception):
    def __init__(self, what: str, code: grpc.StatusCode) -> None:
        super().__init__(f"{what}: {code.name}")
        self.what = what
        self.code = code


class ProbeClient(InternalClient):
    """A facade as the services write them: its own stub, its own error mapping."""

    def __init__(self, channel: grpc.aio.Channel, deadline_seconds: float | None) -> None:
        super().__init__(channel, deadline_seconds)
        self._echo = echo_method(channel)
        self.mapped: list[tuple[str, grpc.StatusCode]] = []

    def map_error(self, what: str, error: grpc.aio.AioRpcError) -> Exception:
        self.mapped.append((what, error.code()))
        return Refused(what, error.code())

    async def echo(self, body: bytes) -> bytes:
        return await self.call("Probe.Echo", self._echo, body, bytes)


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()

    async def echo(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
        seen.metadata.append({k: str(v) for k, v in context.invocation_metadata() or ()})
        seen.time_remaining.append(context.time_remaining())
        if request == b"fail":
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "refused on purpose")
        if request == b"hang":
            await asyncio.Event().wait()  # never answers: only the caller's deadline ends the call
        return b"echo:" + request

    handler = grpc.method_handlers_generic_handler(
        "guardian.test.Probe", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
    )
    grpc_server = grpc.aio.server()
    grpc_server.add_generic_rpc_handlers((handler,))
    port = grpc_server.add_insecure_port("127.0.0.1:0")
    await grpc_server.start()
    try:
        yield f"127.0.0.1:{port}", seen
    finally:
        await grpc_server.stop(None)


async def test_each_call_carries_the_deadline_and_the_internal_token(server: tuple[str, Seen]) -> None:
    target, seen = server
    async with ProbeClient(internal_channel(target, "s3cret"), deadline_seconds=7.5) as client:
        assert await client.echo(b"hi") == b"echo:hi"
    assert seen.metadata[0].get("authorization") == "Bearer s3cret"
    remaining = seen.time_remaining[0]
    # The server reads the deadline gRPC sent on its own clock: a few milliseconds either way (7.509 s seen).
    assert remaining is not None and 0 < remaining <= 7.5 + 0.1


async def test_without_a_token_or_a_deadline_neither_is_sent(server: tuple[str, Seen]) -> None:
    target, seen = server
    async with ProbeClient(internal_channel(target, None), deadline_seconds=None) as client:
        assert await client.echo(b"hi") == b"echo:hi"
    assert "authorization" not in seen.metadata[0]
    assert seen.time_remaining[0] is None


async def test_a_refusal_goes_through_the_mapping_hook(server: tuple[str, Seen]) -> None:
    target, _ = server
    async with ProbeClient(internal_channel(target, None), deadline_seconds=5.0) as client:
        with pytest.raises(Refused) as raised:
            await client.echo(b"fail")
    assert raised.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert raised.value.__suppress_context__, "the gRPC error stays out of the facade's traceback"
    assert client.mapped == [("Probe.Echo", grpc.StatusCode.FAILED_PRECONDITION)]


async def test_a_call_can_ask_for_the_grpc_error_itself(server: tuple[str, Seen]) -> None:
    target, _ = server
    async with ProbeClient(internal_channel(target, None), deadline_seconds=5.0) as client:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await client.call("Probe.Echo", echo_method(client.channel), b"fail", bytes, map_errors=False)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert client.mapped == []


async def test_an_expired_deadline_is_mapped_too(server: tuple[str, Seen]) -> None:
    target, _ = server
    async with ProbeClient(internal_channel(target, None), deadline_seconds=0.2) as client:
        with pytest.raises(Refused) as raised:
            await client.echo(b"hang")
    assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_the_default_mapping_raises_the_grpc_error_itself(server: tuple[str, Seen]) -> None:
    target, _ = server
    async with InternalClient(internal_channel(target, None), deadline_seconds=5.0) as client:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await client.call("Probe.Echo", echo_method(client.channel), b"fail", bytes)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_reply_of_the_wrong_type_is_refused(server: tuple[str, Seen]) -> None:
    target, _ = server
    async with InternalClient(internal_channel(target, None), deadline_seconds=5.0) as client:
        with pytest.raises(TypeError, match="expected str"):
            await client.call("Probe.Echo", echo_method(client.channel), b"x", str)


async def test_close_closes_the_channel(server: tuple[str, Seen]) -> None:
    target, _ = server
    client = ProbeClient(internal_channel(target, None), deadline_seconds=5.0)
    async with client:
        assert await client.echo(b"before") == b"echo:before"
    with pytest.raises(grpc.aio.UsageError):
        await client.echo(b"after")


async def test_a_deadline_must_be_positive() -> None:
    channel = grpc.aio.insecure_channel("127.0.0.1:1")
    try:
        with pytest.raises(ValueError, match="deadline_seconds"):
            InternalClient(channel, deadline_seconds=0)
    finally:
        await channel.close(None)
