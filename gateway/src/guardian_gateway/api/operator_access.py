"""Dashboard access (docs/contracts/auth.md §2.8): the operator session (401), then the route's permissions (403)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from starlette.requests import Request

from guardian.auth.v1 import auth_pb2 as auth_pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.sessions import required_token
from guardian_gateway.api.state import GatewayState
from guardian_gateway.domain.cookies import OPERATOR

log = logging.getLogger("guardian.gateway.dashboard")

READ = frozenset({"dashboard:read"})
PAUSE = frozenset({"accounts:pause"})


def missing_permissions(required: Iterable[str], held: Iterable[str]) -> list[str]:
    return sorted(set(required) - set(held))


async def require_operator(
    request: Request, state: GatewayState, required: frozenset[str]
) -> auth_pb.OperatorPrincipal:
    """The operator behind the session cookie, resolved against the live allowlist by auth; 403
    GUARDIAN_INSUFFICIENT_OPERATOR_PERMISSION with the sorted `missing_permissions` otherwise."""
    principal = await state.auth.operator_authenticate(required_token(request, OPERATOR))
    missing = missing_permissions(required, principal.permissions)
    if missing:
        log.warning(
            "operator %s denied %s %s: missing %s",
            principal.operator_id,
            request.method,
            request.url.path,
            ",".join(missing),
        )
        raise ErrorEnvelope.of("GUARDIAN_INSUFFICIENT_OPERATOR_PERMISSION", missing_permissions=missing)
    return principal
