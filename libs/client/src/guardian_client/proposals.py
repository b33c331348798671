"""Multisig delta proposals of the json network (docs/proposals.md): the four /delta/proposal routes as
`SignedCall`s, a typed `Proposal`, the proposal commitment a client can check, and `ProposalsClient`,
which runs them through a `CustodyClient`'s transport and retry policy.

A cosigner signs a proposal by sending the signed `PUT /delta/proposal`: its request signature over
`{"account_id", "commitment", "action": "sign_proposal"}` is what the server records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from guardian_client.custody import CustodyClient, SignedCall
from guardian_client.errors import ProtocolError
from guardian_client.keys import Cosigner
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.field import word_to_hex
from guardian_crypto.rpo import hash_bytes

SIGN_ACTION = "sign_proposal"
# Refusals made before anything was written, after which a create may be sent again.
CREATE_UNCHANGED = frozenset({"authentication_replay", "rate_limit_exceeded", "service_unavailable"})


def _wire(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def proposal_commitment(
    account_id: str, nonce: int, prev_commitment: str, delta_payload: dict[str, Any]
) -> str:
    """RPO256 of the canonical JSON of the four values a proposal commits to, as Word hex."""
    document = {
        "account_id": account_id,
        "nonce": nonce,
        "prev_commitment": prev_commitment,
        "delta_payload": delta_payload,
    }
    return word_to_hex(hash_bytes(canonical_json(document)))


def create_proposal_call(account_id: str, nonce: int, patch: dict[str, Any]) -> SignedCall:
    body = {"account_id": account_id, "nonce": nonce, "delta_payload": {"patch": patch}}
    return SignedCall(
        "POST", "/delta/proposal", account_id, body, body=_wire(body), unchanged_codes=CREATE_UNCHANGED
    )


def list_proposals_call(account_id: str) -> SignedCall:
    query = {"account_id": account_id}
    return SignedCall("GET", "/delta/proposal", account_id, dict(query), params=query, idempotent=True)


def sign_proposal_call(account_id: str, commitment: str) -> SignedCall:
    """Idempotent: a retry of a signature that was recorded answers 409 proposal_already_signed."""
    body = {"account_id": account_id, "commitment": commitment}
    signed = {**body, "action": SIGN_ACTION}
    return SignedCall("PUT", "/delta/proposal", account_id, signed, body=_wire(body))


def get_proposal_call(account_id: str, commitment: str) -> SignedCall:
    query = {"account_id": account_id, "commitment": commitment}
    return SignedCall("GET", "/delta/proposal/single", account_id, dict(query), params=query, idempotent=True)


@dataclass(frozen=True)
class ProposalSignature:
    signer_id: str
    signature: str
    timestamp: str
    request_timestamp_ms: int


@dataclass(frozen=True)
class Proposal:
    account_id: str
    commitment: str
    nonce: int
    prev_commitment: str
    new_commitment: str
    delta_payload: dict[str, Any]
    status: str  # pending | finalized
    superseded: bool
    proposer_id: str
    signatures: tuple[ProposalSignature, ...]
    signatures_required: int

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Proposal:
        try:
            status = data["status"]
            proposal = cls(
                account_id=str(data["account_id"]),
                commitment=str(data["commitment"]),
                nonce=int(data["nonce"]),
                prev_commitment=str(data["prev_commitment"]),
                new_commitment=str(data["new_commitment"]),
                delta_payload=dict(data["delta_payload"]),
                status=str(status["status"]),
                superseded=bool(status.get("superseded", False)),
                proposer_id=str(status["proposer_id"]),
                signatures=tuple(
                    ProposalSignature(
                        str(s["signer_id"]),
                        str(s["signature"]),
                        str(s["timestamp"]),
                        int(s["request_timestamp_ms"]),
                    )
                    for s in status["cosigner_sigs"]
                ),
                signatures_required=int(data["signatures_required"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProtocolError(f"unexpected proposal object: {exc!r}") from None
        expected = proposal_commitment(
            proposal.account_id, proposal.nonce, proposal.prev_commitment, proposal.delta_payload
        )
        if expected != proposal.commitment:
            raise ProtocolError("the proposal's commitment does not match its contents")
        return proposal


class ProposalsClient:
    """The proposal routes over a CustodyClient (its gateways, retries and error types)."""

    def __init__(self, custody: CustodyClient) -> None:
        self.custody = custody

    async def create(self, signer: Cosigner, account_id: str, nonce: int, patch: dict[str, Any]) -> Proposal:
        data = await self.custody.execute(create_proposal_call(account_id, nonce, patch), signer)
        return Proposal.parse(data["delta"])

    async def list(self, signer: Cosigner, account_id: str) -> list[Proposal]:
        data = await self.custody.execute(list_proposals_call(account_id), signer)
        listed = data.get("proposals")
        if not isinstance(listed, list):
            raise ProtocolError("expected a proposals list")
        return [Proposal.parse(item) for item in listed]

    async def sign(self, signer: Cosigner, account_id: str, commitment: str) -> Proposal:
        return Proposal.parse(await self.custody.execute(sign_proposal_call(account_id, commitment), signer))

    async def get(self, signer: Cosigner, account_id: str, commitment: str) -> Proposal:
        return Proposal.parse(await self.custody.execute(get_proposal_call(account_id, commitment), signer))
