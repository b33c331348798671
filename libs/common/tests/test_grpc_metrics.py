"""The per-RPC metrics interceptor on a real grpc.aio server: counts by service, method and status code."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from guardian_common.telemetry.grpc_metrics import GrpcMetricsInterceptor, split_method
from guardian_common.telemetry.metrics import REGISTRY

HEALTH = "grpc.health.v1.Health"


def count(method: str, code: str) -> float:
    value = REGISTRY.get_sample_value(
        "guardian_grpc_requests_total", {"service": HEALTH, "method": method, "code": code}
    )
    return value or 0.0


async def test_calls_are_counted_with_their_status_code() -> None:
    server = grpc.aio.server(interceptors=[GrpcMetricsInterceptor()])
    servicer = health_aio.HealthServicer()
    await servicer.set("known", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    ok_before, not_found_before = count("Check", "ok"), count("Check", "not_found")
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            await stub.Check(health_pb2.HealthCheckRequest(service="known"))
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.Check(health_pb2.HealthCheckRequest(service="unknown"))
            assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await server.stop(None)
    assert count("Check", "ok") == ok_before + 1
    assert count("Check", "not_found") == not_found_before + 1


def test_the_full_method_splits_into_service_and_method() -> None:
    assert split_method("/guardian.auth.v1.EvmAuth/Verify") == ("guardian.auth.v1.EvmAuth", "Verify")
    assert split_method("") == ("unknown", "unknown")
