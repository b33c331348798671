"""The shared internal token: checked by every gRPC server, sent by every gRPC client."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc

AUTHORIZATION = "authorization"
EXEMPT_PREFIXES = ("/grpc.health.v1.Health/",)


def bearer(token: str) -> str:
    return f"Bearer {token}"


def token_matches(expected: str, metadata: Sequence[tuple[str, str | bytes]] | None) -> bool:
    presented = ""
    for key, value in metadata or ():
        if key == AUTHORIZATION:
            presented = value.decode() if isinstance(value, bytes) else value
            break
    return hmac.compare_digest(presented.encode(), bearer(expected).encode())


def _refuse(_request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Awaitable[None]:
    return context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong internal token")


class InternalTokenInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Refuses every call except health checks unless it carries `authorization: Bearer <token>`."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._refusal = grpc.unary_unary_rpc_method_handler(_refuse)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        method: str = handler_call_details.method
        if method.startswith(EXEMPT_PREFIXES) or token_matches(
            self._token, handler_call_details.invocation_metadata
        ):
            return await continuation(handler_call_details)
        return self._refusal
