"""Client channels for internal gRPC calls: round-robin over replicas, internal token and trace context on
every call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from guardian_common.internal_token import AUTHORIZATION, bearer
from guardian_common.telemetry import client_interceptors


class _TokenInjector(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[type-arg]
    def __init__(self, token: str) -> None:
        self._pair = (AUTHORIZATION, bearer(token))

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Awaitable[Any]],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        metadata = grpc.aio.Metadata(*(client_call_details.metadata or ()), self._pair)
        details = client_call_details._replace(metadata=metadata)  # type: ignore[attr-defined]
        return await continuation(details, request)


def internal_channel(target: str, internal_token: str | None) -> grpc.aio.Channel:
    """`target` is `host:port`, `ipv4:h1:p1,h2:p2` or `dns:///name:port`; calls are spread round-robin."""
    token = [_TokenInjector(internal_token)] if internal_token else []
    interceptors = [*client_interceptors(), *token]
    return grpc.aio.insecure_channel(
        target,
        options=[("grpc.lb_policy_name", "round_robin"), ("grpc.enable_retries", 0)],
        interceptors=interceptors or None,
    )
