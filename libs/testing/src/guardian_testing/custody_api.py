"""Per-account requests for tests, on top of guardian_client: the same signing and routes, but every call
is sent once to a chosen gateway and answers the raw httpx.Response (tests check status codes and bodies
themselves). Also the ack key files the auth replicas of a test fleet share."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from guardian_client import (
    NO_RETRY,
    CustodyClient,
    abandon_call,
    configure_call,
    delta_body,
    delta_call,
    new_account_id,
    push_call,
    state_call,
)
from guardian_client import Cosigner as _ClientCosigner
from guardian_client import auth_config as auth_of
from guardian_testing.identities import OperatorIdentity, falcon_ack_identity

__all__ = [
    "Api",
    "Cosigner",
    "auth_of",
    "delta_body",
    "new_account_id",
    "write_ack_key",
    "write_falcon_ack_key",
]


class Cosigner(_ClientCosigner):
    """guardian_client's Cosigner, also made from a test operator identity."""

    @classmethod
    def from_falcon(cls, identity: OperatorIdentity) -> Cosigner:
        return cls(falcon_key=identity.secret_key)


def write_ack_key(directory: Path) -> Path:
    """A fresh ack secret for GUARDIAN_ACK_ECDSA_KEY_FILE (mode 0600, as auth requires)."""
    path = directory / "ack.key"
    path.write_text(secrets.token_hex(32) + "\n")
    os.chmod(path, 0o600)
    return path


def write_falcon_ack_key(directory: Path) -> Path:
    """The pre-generated test Falcon ack key (identities.falcon_ack_identity) for GUARDIAN_ACK_FALCON_KEY_FILE,
    mode 0600: generating one takes seconds, so every test stack shares this one."""
    path = directory / "ack-falcon.key"
    path.write_text(falcon_ack_identity().secret_key.to_bytes().hex() + "\n")
    os.chmod(path, 0o600)
    return path


@dataclass
class Api:
    """Signed calls to a fleet's gateways (`gateway` indexes them; None takes the next in turn)."""

    http: httpx.AsyncClient
    urls: list[str]
    client: CustodyClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = CustodyClient(self.urls, http=self.http, retry=NO_RETRY)

    def url(self, gateway: int | None) -> str:
        return self.client.base_url(gateway)

    async def configure(
        self,
        signer: _ClientCosigner,
        account_id: str,
        auth: dict[str, Any],
        state: dict[str, Any],
        gateway: int | None = None,
    ) -> httpx.Response:
        return await self.client.send(
            configure_call(account_id, auth, state), signer, base_url=self.url(gateway)
        )

    async def push(
        self,
        signer: _ClientCosigner,
        body: dict[str, Any],
        gateway: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.client.send(push_call(body), signer, base_url=self.url(gateway), headers=headers)

    async def get_state(
        self, signer: _ClientCosigner, account_id: str, gateway: int | None = None
    ) -> httpx.Response:
        return await self.client.send(state_call(account_id), signer, base_url=self.url(gateway))

    async def get_delta(
        self,
        signer: _ClientCosigner,
        account_id: str,
        nonce: int,
        path: str = "/delta",
        gateway: int | None = None,
    ) -> httpx.Response:
        return await self.client.send(delta_call(account_id, nonce, path), signer, base_url=self.url(gateway))

    async def abandon(
        self, signer: _ClientCosigner, account_id: str, nonce: int, gateway: int | None = None
    ) -> httpx.Response:
        return await self.client.send(abandon_call(account_id, nonce), signer, base_url=self.url(gateway))


async def wait_canonical(
    api: Api, signer: _ClientCosigner, account_id: str, nonce: int, gateway: int | None = None
) -> dict[str, Any]:
    """Polls GET /delta until the delta is canonical (the canonicalizer runs in another process); fails
    after 60 s with the last answer."""
    deadline = time.monotonic() + 60
    while True:
        delta: dict[str, Any] = (await api.get_delta(signer, account_id, nonce, gateway=gateway)).json()
        if delta["status"]["status"] == "canonical":
            return delta
        assert time.monotonic() < deadline, f"not canonical within 60s: {delta}"
        await asyncio.sleep(0.2)
