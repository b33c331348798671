"""Wallet session checks for the cookie routes: auth decides, and a positive answer is reused for the window auth
granted (domain/session_cache.py), so a burst of requests on one session costs auth and the coordinator one
check. Operator sessions are not reused: their permissions follow the live allowlist on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from guardian.auth.v1 import auth_pb2 as auth_pb
from guardian_gateway.clients.auth import AuthClient
from guardian_gateway.domain.session_cache import SessionCache, token_key
from guardian_gateway.metrics import SESSION_CHECKS


class SessionChecks:
    def __init__(
        self, auth: AuthClient, max_entries: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._auth = auth
        self._clock = clock
        self._evm: SessionCache[auth_pb.EvmPrincipal] = SessionCache(max_entries, clock)

    async def evm(self, token: str) -> auth_pb.EvmPrincipal:
        """The wallet behind a well-formed EVM session token; auth's 401 envelope otherwise."""
        key = token_key(token)
        principal = self._evm.get(key)
        if principal is not None:
            SESSION_CHECKS.labels("reused").inc()
            return principal
        sent_at = self._clock()
        principal = await self._auth.evm_authenticate(token)
        SESSION_CHECKS.labels("asked_auth").inc()
        self._evm.put(key, principal, sent_at=sent_at, reuse_for_ms=principal.reuse_for_ms)
        return principal

    async def evm_logout(self, token: str) -> None:
        """Returns once every gateway refuses the token: auth answers after the reuse window has passed."""
        self._evm.forget(token_key(token))
        await self._auth.evm_logout(token)
