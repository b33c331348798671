"""Per-RPC request metrics of a gRPC server (docs/contracts/ops.md §5.2): count, duration and in-flight, unary calls only."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from guardian_common.telemetry.metrics import request_metrics

GRPC = request_metrics("grpc", ["service", "method"], "code", "gRPC calls")


def split_method(full_method: str) -> tuple[str, str]:
    """`/pkg.Service/Method` → (`pkg.Service`, `Method`); served methods only reach here, so values are bounded."""
    service, _, method = full_method.lstrip("/").partition("/")
    return service or "unknown", method or "unknown"


def code_name(code: object) -> str:
    return code.name.lower() if isinstance(code, grpc.StatusCode) else "ok" if code is None else "unknown"


class GrpcMetricsInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        service, method = split_method(handler_call_details.method)
        behavior: Callable[..., Awaitable[Any]] = handler.unary_unary  # async in a grpc.aio server

        async def measured(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            GRPC.in_flight.inc()
            started = time.perf_counter()
            failed = True
            try:
                response = await behavior(request, context)
                failed = False
                return response
            finally:
                GRPC.in_flight.dec()
                GRPC.duration.labels(service, method).observe(time.perf_counter() - started)
                code = context.code()
                label = "unknown" if failed and code is None else code_name(code)
                GRPC.requests.labels(service, method, label).inc()

        return grpc.unary_unary_rpc_method_handler(
            measured,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
