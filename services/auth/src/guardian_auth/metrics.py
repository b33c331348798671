"""Login metrics of the auth service (docs/contracts/ops.md §5.2, plus the EVM equivalents). Outcome = `ok` or the error
envelope's code (a closed set), `internal_error` for anything unexpected."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from prometheus_client import Counter

from guardian_common.envelope import ErrorEnvelope
from guardian_common.telemetry.metrics import REGISTRY, outcome_counter

R = TypeVar("R")


OPERATOR_CHALLENGES = outcome_counter(
    "guardian_operator_auth_challenges", "Operator challenge requests, by outcome"
)
OPERATOR_VERIFICATIONS = outcome_counter(
    "guardian_operator_auth_verifications", "Operator verifications, by outcome"
)
OPERATOR_SESSIONS = Counter(
    "guardian_operator_sessions_started", "Operator sessions issued", registry=REGISTRY
)
EVM_CHALLENGES = outcome_counter("guardian_evm_auth_challenges", "Wallet challenge requests, by outcome")
EVM_VERIFICATIONS = outcome_counter("guardian_evm_auth_verifications", "Wallet verifications, by outcome")
EVM_SESSIONS = Counter("guardian_evm_sessions_started", "Wallet sessions issued", registry=REGISTRY)


def counted(
    outcomes: Counter, started: Counter | None = None
) -> Callable[[Callable[..., Awaitable[R]]], Callable[..., Awaitable[R]]]:
    """Counts every call of the wrapped handler by outcome; `started` also counts the successes."""

    def decorate(handler: Callable[..., Awaitable[R]]) -> Callable[..., Awaitable[R]]:
        @functools.wraps(handler)
        async def wrapper(*args: Any, **kwargs: Any) -> R:
            outcome = "internal_error"
            try:
                result = await handler(*args, **kwargs)
                outcome = "ok"
                if started is not None:
                    started.inc()
                return result
            except ErrorEnvelope as envelope:
                outcome = envelope.code
                raise
            finally:
                outcomes.labels(outcome).inc()

        return wrapper

    return decorate
