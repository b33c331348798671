"""auth_sessions: one primary-key lookup per authenticated request, revocation kept until expiry."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from guardian_coordinator.domain.models import Issued, Realm, Session
from guardian_coordinator.metrics import SESSION_LOOKUP_KEYS, SESSION_LOOKUP_STATEMENTS
from guardian_coordinator.store.postgres.coalesced_reads import CoalescedReads
from guardian_coordinator.store.postgres.direct_connections import DirectConnections
from guardian_coordinator.store.postgres.engine import single_statements, store_errors, sweep_in_batches

INSERT = text(
    """
    INSERT INTO auth_sessions (realm, token_digest, subject, issued_at, expires_at, revoked_at)
    VALUES (:realm, :digest, CAST(:subject AS jsonb), now(), now() + make_interval(secs => :ttl), NULL)
    ON CONFLICT (realm, token_digest) DO UPDATE
       SET subject = EXCLUDED.subject, issued_at = EXCLUDED.issued_at,
           expires_at = EXCLUDED.expires_at, revoked_at = NULL
    RETURNING issued_at, expires_at
    """
)
# Runs on DirectConnections (psycopg placeholders): one statement answers every lookup of a batch.
GET_MANY = """
    SELECT s.realm, s.token_digest, s.subject::text, s.issued_at, s.expires_at
      FROM unnest(%s::text[], %s::bytea[]) AS k(realm, token_digest)
      JOIN auth_sessions s ON s.realm = k.realm AND s.token_digest = k.token_digest
     WHERE s.revoked_at IS NULL AND s.expires_at > now()
    """
REVOKE = text(
    """
    UPDATE auth_sessions SET revoked_at = now()
     WHERE realm = :realm AND token_digest = :digest AND revoked_at IS NULL AND expires_at > now()
    RETURNING subject::text, issued_at, expires_at
    """
)
SWEEP = text(
    """
    DELETE FROM auth_sessions WHERE ctid IN (
        SELECT ctid FROM auth_sessions WHERE expires_at < now() LIMIT :batch)
    """
)


class PostgresSessionStore:
    def __init__(
        self, engine: AsyncEngine, lookups: DirectConnections, *, lookup_interval_s: float, sweep_batch: int
    ) -> None:
        self._engine = engine
        self._one_shot = single_statements(engine)
        self._sweep_batch = sweep_batch
        self._lookup_connections = lookups
        self._lookups = CoalescedReads(
            self._get_many, max_in_flight=lookups.max_connections, min_interval_s=lookup_interval_s
        )

    async def insert(self, realm: Realm, token_digest: bytes, subject_json: str, ttl_seconds: int) -> Issued:
        params = {"realm": realm.value, "digest": token_digest, "subject": subject_json, "ttl": ttl_seconds}
        async with store_errors(), self._one_shot.connect() as conn:
            row = (await conn.execute(INSERT, params)).one()
        return Issued(row[0], row[1])

    async def get(self, realm: Realm, token_digest: bytes) -> Session | None:
        return await self._lookups.get((realm.value, token_digest))

    async def _get_many(self, keys: Sequence[tuple[str, bytes]]) -> dict[tuple[str, bytes], Session]:
        SESSION_LOOKUP_STATEMENTS.inc()
        SESSION_LOOKUP_KEYS.inc(len(keys))
        params = ([realm for realm, _ in keys], [digest for _, digest in keys])
        rows = await self._lookup_connections.fetch_all(
            GET_MANY, params, span="SELECT auth_sessions", attributes={"guardian.session_lookups": len(keys)}
        )
        return {(row[0], row[1]): Session(row[2], row[3], row[4]) for row in rows}

    async def revoke(self, realm: Realm, token_digest: bytes) -> Session | None:
        async with store_errors(), self._one_shot.connect() as conn:
            row = (await conn.execute(REVOKE, {"realm": realm.value, "digest": token_digest})).first()
        return None if row is None else Session(row[0], row[1], row[2])

    async def sweep(self) -> int:
        return await sweep_in_batches(self._engine, SWEEP, self._sweep_batch)
