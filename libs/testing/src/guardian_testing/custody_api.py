"""Signed per-account requests as a custody client makes them: cosigner keys with their own
monotonic clocks, request signatures (client-api.md §4), and the routes' bodies."""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from guardian_crypto import ecdsa
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.digests import request_digest
from guardian_crypto.field import Word, word_to_hex
from guardian_testing.identities import OperatorIdentity


@dataclass
class Cosigner:
    """A signer with its own monotonic millisecond clock (as the upstream clients keep)."""

    commitment: str
    pubkey: str
    secret: bytes | None = None
    falcon: OperatorIdentity | None = None
    last_ms: int = 0

    @classmethod
    def ecdsa(cls) -> Cosigner:
        secret = secrets.token_bytes(32)
        public = ecdsa.public_key_from_secret(secret)
        return cls(word_to_hex(ecdsa.public_key_commitment(public)), "0x" + public.hex(), secret=secret)

    @classmethod
    def from_falcon(cls, identity: OperatorIdentity) -> Cosigner:
        return cls(identity.commitment, identity.public_key_hex, falcon=identity)

    @property
    def method(self) -> str:
        return "MidenFalconRpo" if self.falcon else "MidenEcdsa"

    def sign_word(self, word: Word) -> str:
        if self.falcon is not None:
            return self.falcon.sign_digest(word_to_hex(word))
        assert self.secret is not None
        return "0x" + ecdsa.sign(self.secret, word).hex()

    def now_ms(self) -> int:
        self.last_ms = max(time.time_ns() // 1_000_000, self.last_ms + 1)
        return self.last_ms

    def headers(self, account_id: str, payload: object, timestamp_ms: int | None = None) -> dict[str, str]:
        ts = self.now_ms() if timestamp_ms is None else timestamp_ms
        digest = request_digest(account_id, ts, canonical_json(payload))
        return {"x-pubkey": self.pubkey, "x-signature": self.sign_word(digest), "x-timestamp": str(ts)}


def auth_of(*cosigners: Cosigner) -> dict[str, Any]:
    return {cosigners[0].method: {"cosigner_commitments": [c.commitment for c in cosigners]}}


def new_account_id() -> str:
    return "0x" + secrets.token_hex(15)


def write_ack_key(directory: Path) -> Path:
    path = directory / "ack.key"
    path.write_text(secrets.token_hex(32) + "\n")
    os.chmod(path, 0o600)
    return path


@dataclass
class Api:
    """Signed calls to a gateway (index into the fleet's gateways)."""

    http: httpx.AsyncClient
    urls: list[str]
    calls: int = field(default=0)

    def url(self, gateway: int | None) -> str:
        if gateway is None:
            self.calls += 1
            gateway = self.calls
        return self.urls[gateway % len(self.urls)]

    async def configure(
        self,
        signer: Cosigner,
        account_id: str,
        auth: dict[str, Any],
        state: dict[str, Any],
        gateway: int | None = None,
    ) -> httpx.Response:
        body = {"account_id": account_id, "auth": auth, "initial_state": state}
        return await self.http.post(
            f"{self.url(gateway)}/configure", json=body, headers=signer.headers(account_id, body)
        )

    async def push(
        self,
        signer: Cosigner,
        body: dict[str, Any],
        gateway: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = headers or signer.headers(body["account_id"], body)
        return await self.http.post(
            f"{self.url(gateway)}/delta",
            content=json.dumps(body),
            headers={**headers, "content-type": "application/json"},
        )

    async def get_state(
        self, signer: Cosigner, account_id: str, gateway: int | None = None
    ) -> httpx.Response:
        return await self.http.get(
            f"{self.url(gateway)}/state",
            params={"account_id": account_id},
            headers=signer.headers(account_id, {"account_id": account_id}),
        )

    async def get_delta(
        self, signer: Cosigner, account_id: str, nonce: int, path: str = "/delta", gateway: int | None = None
    ) -> httpx.Response:
        payload = {"account_id": account_id, "nonce": nonce}
        return await self.http.get(
            f"{self.url(gateway)}{path}",
            params={"account_id": account_id, "nonce": str(nonce)},
            headers=signer.headers(account_id, payload),
        )

    async def abandon(
        self, signer: Cosigner, account_id: str, nonce: int, gateway: int | None = None
    ) -> httpx.Response:
        body = {"account_id": account_id, "nonce": nonce}
        return await self.http.post(
            f"{self.url(gateway)}/delta/candidate/abandon",
            json=body,
            headers=signer.headers(account_id, body),
        )


def delta_body(account_id: str, nonce: int, prev_commitment: str, patch: dict[str, Any]) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "nonce": nonce,
        "prev_commitment": prev_commitment,
        "delta_payload": {"patch": patch},
    }
