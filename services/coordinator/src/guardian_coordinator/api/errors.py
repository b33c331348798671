"""One mapping from domain errors to gRPC status codes, applied to every RPC."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from guardian_common.telemetry.metrics import STORE_ERRORS
from guardian_coordinator.domain.errors import InvalidArgument, StoreUnavailable

log = logging.getLogger(__name__)

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Handler = Callable[[Any, Req, grpc.aio.ServicerContext[Req, Resp]], Awaitable[Resp]]


def mapped_errors(handler: Handler[Req, Resp]) -> Handler[Req, Resp]:
    operation = handler.__qualname__.replace("Servicer.", ".")  # e.g. Sessions.Insert

    @functools.wraps(handler)
    async def wrapper(self: Any, request: Req, context: grpc.aio.ServicerContext[Req, Resp]) -> Resp:
        try:
            return await handler(self, request, context)
        except InvalidArgument as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except StoreUnavailable as exc:
            log.warning("store unavailable in %s: %s", handler.__name__, exc)
            STORE_ERRORS.labels(operation).inc()
            await context.abort(grpc.StatusCode.UNAVAILABLE, f"{exc}; retry later")
        raise AssertionError("unreachable: context.abort raises")

    return wrapper
