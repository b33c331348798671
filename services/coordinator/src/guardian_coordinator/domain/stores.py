"""The store contracts. Each has a memory and a Postgres implementation with the same semantics.

Every expiry and lease decision is taken on the store's clock (the database clock on Postgres,
a monotonic clock in memory): callers pass durations, never instants.
"""

from __future__ import annotations

from typing import Protocol

from guardian_coordinator.domain.models import Challenge, Issued, Lease, Realm, Session


class SessionStore(Protocol):
    async def insert(self, realm: Realm, token_digest: bytes, subject_json: str, ttl_seconds: int) -> Issued:
        """Upsert: an existing key gets the new subject and times and is un-revoked."""
        ...

    async def get(self, realm: Realm, token_digest: bytes) -> Session | None:
        """The session only if it is unrevoked and unexpired."""
        ...

    async def revoke(self, realm: Realm, token_digest: bytes) -> Session | None:
        """Revokes a live session and returns it; None if there was no live session."""
        ...

    async def sweep(self) -> int:
        """Deletes expired sessions of every realm; returns how many."""
        ...


class ChallengeStore(Protocol):
    async def issue(
        self,
        realm: Realm,
        principal: str,
        key: str,
        payload_json: str,
        ttl_seconds: int,
        max_outstanding: int,
    ) -> Issued:
        """Upserts the challenge, drops the principal's expired ones, keeps the newest pending ones."""
        ...

    async def list_active(self, realm: Realm, principal: str) -> list[Challenge]:
        """The principal's unconsumed, unexpired challenges, newest first."""
        ...

    async def consume(self, realm: Realm, principal: str, key: str) -> bool:
        """True for exactly one caller ever, only while unexpired and owned by `principal`."""
        ...

    async def sweep(self) -> int:
        """Deletes expired challenges (consumed or not) of every realm; returns how many."""
        ...


class LeaseStore(Protocol):
    async def acquire(self, name: str, holder_id: str, ttl_ms: int) -> Lease | None:
        """Takes the lease if free, expired or already ours. The token grows by one on a change of holder."""
        ...

    async def renew(self, lease: Lease, ttl_ms: int) -> Lease | None:
        """Extends the lease only for the current, unexpired holder with the same token."""
        ...

    async def verify(self, lease: Lease) -> bool: ...

    async def release(self, lease: Lease) -> None:
        """Expires the lease in place (the row stays, so tokens keep growing)."""
        ...


class CoordinatorStore(Protocol):
    @property
    def backend(self) -> str: ...

    @property
    def supports_fencing(self) -> bool: ...

    @property
    def sessions(self) -> SessionStore: ...

    @property
    def challenges(self) -> ChallengeStore: ...

    @property
    def leases(self) -> LeaseStore: ...

    async def schema_revision(self) -> str: ...

    async def close(self) -> None: ...
