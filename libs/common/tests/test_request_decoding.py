"""The shared gRPC server's request decoding guard and internal token rule, on an in-process grpc.aio server.

Undecodable request bytes answer INVALID_ARGUMENT for every kind of handler the server carries (unary, a
streamed response, a streamed request), and well-formed calls are unchanged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from guardian_common.grpc_server import GrpcServer
from guardian_common.startup import MIN_INTERNAL_TOKEN_CHARS, weak_internal_token

GARBAGE = b"\xff\xff\xff\xff"
HEALTH = "/grpc.health.v1.Health"
REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    server = GrpcServer(address="127.0.0.1:0", service_names=[], internal_token=None)
    port = await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield channel
    await server.server.stop(0)


def expect_undecodable(caught: pytest.ExceptionInfo[grpc.aio.AioRpcError]) -> None:
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
    assert "not a valid protobuf message" in (caught.value.details() or "")


async def test_unary_and_streamed_handlers_refuse_undecodable_bytes(
    channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await channel.unary_unary(f"{HEALTH}/Check", request_serializer=None, response_deserializer=None)(
            GARBAGE
        )
    expect_undecodable(caught)

    watch = channel.unary_stream(f"{HEALTH}/Watch", request_serializer=None, response_deserializer=None)(
        GARBAGE
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await watch.read()
    expect_undecodable(caught)

    stream = channel.stream_stream(REFLECTION, request_serializer=None, response_deserializer=None)(None)
    await stream.write(GARBAGE)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stream.read()
    expect_undecodable(caught)
    assert "Traceback" not in caplog.text and "Unexpected" not in caplog.text


async def test_well_formed_calls_are_unchanged(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    checked = await health.Check(health_pb2.HealthCheckRequest())
    assert checked.status == health_pb2.HealthCheckResponse.SERVING
    watch = health.Watch(health_pb2.HealthCheckRequest())
    assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING
    watch.cancel()
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo()
    await reflection.write(reflection_pb2.ServerReflectionRequest(list_services=""))
    listed = await reflection.read()
    assert "grpc.health.v1.Health" in [s.name for s in listed.list_services_response.service]
    await reflection.done_writing()


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (None, None),  # unset: each service's own guard names it (MISSING_INTERNAL_TOKEN)
        ("", None),
        ("a" * MIN_INTERNAL_TOKEN_CHARS, None),
        ("   ", "blank"),
        ("\n", "blank"),
        ("a" * 40 + "\n", "starts or ends with whitespace"),
        ("a" * (MIN_INTERNAL_TOKEN_CHARS - 1), "too short"),
    ],
)
def test_weak_internal_tokens(token: str | None, problem: str | None) -> None:
    found = weak_internal_token(token)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found and "GUARDIAN_INTERNAL_TOKEN" in found
