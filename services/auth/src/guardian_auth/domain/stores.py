"""What the login flows and request authentication need from storage, in the domain's own types.

Auth is stateless: the coordinator keeps every challenge, session and replay floor, and `clients/coordinator.py`
implements these protocols over its gRPC API. A store that cannot answer raises a retryable `storage_error`
envelope (or `configuration_error` when the internal token is refused), so callers fail closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol


class Realm(Enum):
    """Who a challenge or session belongs to; the two realms never see each other's rows."""

    OPERATOR = "operator"
    EVM = "evm"


@dataclass(frozen=True)
class StoredSession:
    subject_json: str
    expires_at: datetime


@dataclass(frozen=True)
class StoredChallenge:
    key: str
    payload_json: str


class SessionStore(Protocol):
    async def insert_session(
        self, realm: Realm, digest: bytes, subject_json: str, ttl_seconds: int
    ) -> datetime:
        """Stores a session under the token's digest; returns its expiry (store clock)."""
        ...

    async def get_session(self, realm: Realm, digest: bytes) -> StoredSession | None:
        """The live session with that digest, or None (unknown, expired or revoked)."""
        ...

    async def revoke_session(self, realm: Realm, digest: bytes) -> bool: ...


class ChallengeStore(Protocol):
    async def issue_challenge(
        self,
        realm: Realm,
        principal: str,
        key: str,
        payload_json: str,
        ttl_seconds: int,
        max_outstanding: int,
    ) -> None:
        """Stores a one-time challenge; the oldest beyond `max_outstanding` for the principal are dropped."""
        ...

    async def active_challenges(self, realm: Realm, principal: str) -> list[StoredChallenge]: ...

    async def consume_challenge(self, realm: Realm, principal: str, key: str) -> bool:
        """True for exactly one caller per challenge (the one that consumed it)."""
        ...


class LoginStore(SessionStore, ChallengeStore, Protocol):
    """Challenges and sessions: what a login flow needs."""


class FloorOutcome(Enum):
    ACCEPTED = "accepted"
    REPLAY = "replay"
    ACCOUNT_NOT_FOUND = "account_not_found"


class ReplayFloor(Protocol):
    async def advance(self, account_id: str, signer_commitment: str, timestamp_ms: int) -> FloorOutcome:
        """Raises the per-signer timestamp floor of an account (docs/contracts/client-api.md §4), atomically."""
        ...


@dataclass(frozen=True)
class StoredState:
    json: str
    commitment: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredAccount:
    auth_json: str
    state: StoredState | None  # None: the account has no state (or it was not asked for)

    @property
    def state_json(self) -> str | None:
        return None if self.state is None else self.state.json


class AccountReader(Protocol):
    async def account_with_state(self, account_id: str) -> StoredAccount | None:
        """The account's auth and its stored state from one read; None when there is no such account."""
        ...

    async def account(self, account_id: str) -> StoredAccount | None:
        """The account's auth alone (no state: cheaper); None when there is no such account."""
        ...


@dataclass(frozen=True)
class SignedAccountRead:
    account: StoredAccount
    signer_commitment: str | None  # the first candidate that is one of the account's cosigners
    floor: FloorOutcome | None  # that signer's replay floor: ACCEPTED (advanced) or REPLAY; None without one


class SignedReader(Protocol):
    async def read_as_signer(
        self,
        account_id: str,
        *,
        include_state: bool,
        auth_method: str,
        candidates: list[str],
        timestamp_ms: int,
    ) -> SignedAccountRead | None:
        """In one step: the account (and state), the first of `candidates` among its `auth_method` cosigners, and
        that signer's replay floor advanced to `timestamp_ms`. None when there is no such account."""
        ...
