"""guardian_client.proposals without a server: the commitment the client computes is the gateway's, a proposal
whose commitment does not match its contents is refused, and the calls sign the documented values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from guardian_client import Proposal, ProtocolError, new_account_id, proposal_commitment
from guardian_client.proposals import (
    create_proposal_call,
    get_proposal_call,
    list_proposals_call,
    sign_proposal_call,
)
from guardian_gateway.domain.proposals import proposal_commitment as gateway_commitment

PREV = "0x" + "11" * 32


def proposal_json(account_id: str, **changes: Any) -> dict[str, Any]:
    payload = {"patch": {"balance": 7, "memo": {"to": "ünïcode"}}}
    data: dict[str, Any] = {
        "account_id": account_id,
        "nonce": 4,
        "prev_commitment": PREV,
        "new_commitment": "0x" + "22" * 32,
        "delta_payload": payload,
        "ack_sig": "",
        "ack_pubkey": "",
        "ack_scheme": "",
        "status": {
            "status": "pending",
            "timestamp": "2026-12-04T10:00:00.000001Z",
            "proposer_id": "0x" + "33" * 32,
            "cosigner_sigs": [
                {
                    "signer_id": "0x" + "44" * 32,
                    "signature": "ab",
                    "timestamp": "t",
                    "request_timestamp_ms": 9,
                }
            ],
            "superseded": False,
        },
        "signatures_required": 2,
    }
    data["commitment"] = proposal_commitment(account_id, 4, PREV, payload)
    data.update(changes)
    return data


def test_the_client_and_the_gateway_compute_the_same_commitment() -> None:
    account_id = new_account_id()
    payload = {"patch": {"b": [1, 2, {"c": None}], "a": "x"}}
    assert proposal_commitment(account_id, 3, PREV, payload) == gateway_commitment(
        account_id, 3, PREV, payload
    )
    assert proposal_commitment(account_id, 3, PREV, payload) != proposal_commitment(
        account_id, 4, PREV, payload
    )


def test_parse_checks_the_commitment() -> None:
    account_id = new_account_id()
    parsed = Proposal.parse(proposal_json(account_id))
    assert parsed.nonce == 4 and parsed.status == "pending" and not parsed.superseded
    assert parsed.signatures[0].request_timestamp_ms == 9 and parsed.signatures_required == 2
    with pytest.raises(ProtocolError):
        Proposal.parse(proposal_json(account_id, nonce=5))
    with pytest.raises(ProtocolError):
        Proposal.parse(proposal_json(account_id, status={"status": "pending"}))


def test_calls_sign_the_documented_values() -> None:
    account_id, commitment = new_account_id(), "0x" + "55" * 32
    create = create_proposal_call(account_id, 2, {"v": 1})
    body = {"account_id": account_id, "nonce": 2, "delta_payload": {"patch": {"v": 1}}}
    assert (create.method, create.path, create.signed) == ("POST", "/delta/proposal", body)
    assert create.body is not None and json.loads(create.body) == body
    listed = list_proposals_call(account_id)
    assert (listed.method, listed.signed, listed.params, listed.idempotent) == (
        "GET",
        {"account_id": account_id},
        {"account_id": account_id},
        True,
    )
    sign = sign_proposal_call(account_id, commitment)
    assert sign.method == "PUT" and sign.body is not None
    assert json.loads(sign.body) == {"account_id": account_id, "commitment": commitment}
    assert sign.signed == {"account_id": account_id, "commitment": commitment, "action": "sign_proposal"}
    single = get_proposal_call(account_id, commitment)
    assert (single.path, single.signed) == (
        "/delta/proposal/single",
        {"account_id": account_id, "commitment": commitment},
    )
