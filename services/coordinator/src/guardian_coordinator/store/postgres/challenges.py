"""auth_challenges: issue serialised per principal, consume as one conditional update."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from guardian_coordinator.domain.models import Challenge, Issued, Realm
from guardian_coordinator.store.postgres.engine import single_statements, store_errors, sweep_in_batches

LOCK_PRINCIPAL = text("SELECT pg_advisory_xact_lock(hashtextextended(:realm || '|' || :principal, 0))")
# clock_timestamp(), not now(): issued_at must follow the lock order so "newest" means newest.
UPSERT = text(
    """
    INSERT INTO auth_challenges (realm, challenge_key, principal, payload, issued_at, expires_at, consumed_at)
    VALUES (:realm, :key, :principal, CAST(:payload AS jsonb), clock_timestamp(),
            clock_timestamp() + make_interval(secs => :ttl), NULL)
    ON CONFLICT (realm, challenge_key) DO UPDATE
       SET principal = EXCLUDED.principal, payload = EXCLUDED.payload, issued_at = EXCLUDED.issued_at,
           expires_at = EXCLUDED.expires_at, consumed_at = NULL
    RETURNING issued_at, expires_at
    """
)
DROP_EXPIRED = text(
    """
    DELETE FROM auth_challenges
     WHERE realm = :realm AND principal = :principal AND expires_at <= clock_timestamp()
    """
)
TRIM_PENDING = text(
    """
    DELETE FROM auth_challenges WHERE ctid IN (
        SELECT ctid FROM auth_challenges
         WHERE realm = :realm AND principal = :principal AND consumed_at IS NULL
         ORDER BY issued_at DESC, challenge_key DESC
        OFFSET :max_outstanding)
    """
)
LIST_ACTIVE = text(
    """
    SELECT challenge_key, payload::text, issued_at, expires_at FROM auth_challenges
     WHERE realm = :realm AND principal = :principal AND consumed_at IS NULL AND expires_at > now()
     ORDER BY issued_at DESC, challenge_key DESC
    """
)
CONSUME = text(
    """
    UPDATE auth_challenges SET consumed_at = now()
     WHERE realm = :realm AND challenge_key = :key AND principal = :principal
       AND consumed_at IS NULL AND expires_at > now()
    """
)
SWEEP = text(
    """
    DELETE FROM auth_challenges WHERE ctid IN (
        SELECT ctid FROM auth_challenges WHERE expires_at < now() LIMIT :batch)
    """
)


class PostgresChallengeStore:
    def __init__(self, engine: AsyncEngine, sweep_batch: int) -> None:
        self._engine = engine
        self._one_shot = single_statements(engine)
        self._sweep_batch = sweep_batch

    async def issue(
        self,
        realm: Realm,
        principal: str,
        key: str,
        payload_json: str,
        ttl_seconds: int,
        max_outstanding: int,
    ) -> Issued:
        scope = {"realm": realm.value, "principal": principal}
        async with store_errors(), self._engine.begin() as conn:
            await conn.execute(LOCK_PRINCIPAL, scope)
            row = (
                await conn.execute(UPSERT, {**scope, "key": key, "payload": payload_json, "ttl": ttl_seconds})
            ).one()
            await conn.execute(DROP_EXPIRED, scope)
            await conn.execute(TRIM_PENDING, {**scope, "max_outstanding": max_outstanding})
        return Issued(row[0], row[1])

    async def list_active(self, realm: Realm, principal: str) -> list[Challenge]:
        async with store_errors(), self._one_shot.connect() as conn:
            rows = (await conn.execute(LIST_ACTIVE, {"realm": realm.value, "principal": principal})).all()
        return [Challenge(r[0], r[1], r[2], r[3]) for r in rows]

    async def consume(self, realm: Realm, principal: str, key: str) -> bool:
        params = {"realm": realm.value, "principal": principal, "key": key}
        async with store_errors(), self._one_shot.connect() as conn:
            return (await conn.execute(CONSUME, params)).rowcount == 1

    async def sweep(self) -> int:
        return await sweep_in_batches(self._engine, SWEEP, self._sweep_batch)
