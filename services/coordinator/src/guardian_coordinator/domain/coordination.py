"""The coordinator's use cases: validate the input, then make one atomic decision in the store."""

from __future__ import annotations

from guardian_coordinator.domain import validation as v
from guardian_coordinator.domain.models import Challenge, Issued, Lease, Realm, Session
from guardian_coordinator.domain.stores import CoordinatorStore


class Coordination:
    def __init__(self, store: CoordinatorStore) -> None:
        self.store = store

    # Sessions
    async def insert_session(
        self, realm: Realm | None, token_digest: bytes, subject_json: str, ttl_seconds: int
    ) -> Issued:
        realm = v.require_realm("realm", realm)
        v.require_digest("token_digest", token_digest)
        v.require_json_object("subject_json", subject_json)
        v.require_ttl_seconds("ttl_seconds", ttl_seconds)
        return await self.store.sessions.insert(realm, token_digest, subject_json, ttl_seconds)

    async def get_session(self, realm: Realm | None, token_digest: bytes) -> Session | None:
        realm = v.require_realm("realm", realm)
        v.require_digest("token_digest", token_digest)
        return await self.store.sessions.get(realm, token_digest)

    async def revoke_session(self, realm: Realm | None, token_digest: bytes) -> Session | None:
        realm = v.require_realm("realm", realm)
        v.require_digest("token_digest", token_digest)
        return await self.store.sessions.revoke(realm, token_digest)

    async def sweep_sessions(self) -> int:
        return await self.store.sessions.sweep()

    # Challenges
    async def issue_challenge(
        self,
        realm: Realm | None,
        principal: str,
        key: str,
        payload_json: str,
        ttl_seconds: int,
        max_outstanding: int,
    ) -> Issued:
        realm = v.require_realm("realm", realm)
        v.require_text("principal", principal)
        v.require_text("key", key)
        v.require_json_object("payload_json", payload_json)
        v.require_ttl_seconds("ttl_seconds", ttl_seconds)
        v.require_positive("max_outstanding", max_outstanding)
        return await self.store.challenges.issue(
            realm, principal, key, payload_json, ttl_seconds, max_outstanding
        )

    async def list_active_challenges(self, realm: Realm | None, principal: str) -> list[Challenge]:
        realm = v.require_realm("realm", realm)
        v.require_text("principal", principal)
        return await self.store.challenges.list_active(realm, principal)

    async def consume_challenge(self, realm: Realm | None, principal: str, key: str) -> bool:
        realm = v.require_realm("realm", realm)
        v.require_text("principal", principal)
        v.require_text("key", key)
        return await self.store.challenges.consume(realm, principal, key)

    async def sweep_challenges(self) -> int:
        return await self.store.challenges.sweep()

    # Leases
    async def acquire_lease(self, name: str, holder_id: str, ttl_ms: int) -> Lease | None:
        v.require_text("name", name)
        v.require_text("holder_id", holder_id)
        v.require_ttl_ms("ttl_ms", ttl_ms)
        return await self.store.leases.acquire(name, holder_id, ttl_ms)

    async def renew_lease(self, lease: Lease, ttl_ms: int) -> Lease | None:
        v.require_fence("lease", lease)
        v.require_ttl_ms("ttl_ms", ttl_ms)
        return await self.store.leases.renew(lease, ttl_ms)

    async def verify_lease(self, lease: Lease) -> bool:
        v.require_fence("lease", lease)
        return await self.store.leases.verify(lease)

    async def release_lease(self, lease: Lease) -> None:
        v.require_fence("lease", lease)
        await self.store.leases.release(lease)
