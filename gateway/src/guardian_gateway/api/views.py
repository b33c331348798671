"""Coordinator records as the JSON objects of the API (docs/contracts/client-api.md §2; docs/contracts/auth.md §2.13)."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from guardian.auth.v1 import auth_pb2 as auth_pb
from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_common.account_auth import stored_auth
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.domain.json_values import stored_object

KIND_NAMES = {
    pb.DELTA_KIND_CANDIDATE: "candidate",
    pb.DELTA_KIND_CANONICAL: "canonical",
    pb.DELTA_KIND_RETAINED: "retained",
    pb.DELTA_KIND_DISCARDED: "discarded",
}
KINDS = {name: kind for kind, name in KIND_NAMES.items()}


def rfc3339(moment: Timestamp) -> str:
    """UTC, six fractional digits, `Z` (the coordinator's status JSON format)."""
    return moment.ToDatetime(tzinfo=UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def optional_time(holder: Any, field: str) -> str | None:
    return rfc3339(getattr(holder, field)) if holder.HasField(field) else None


def delta_object(delta: pb.Delta, ack_pubkey: str = "", ack_scheme: str = "") -> dict[str, Any]:
    """The DeltaObject. `ack_pubkey`/`ack_scheme` are not stored: known right after a push only."""
    body: dict[str, Any] = {
        "account_id": delta.account_id,
        "nonce": delta.nonce,
        "prev_commitment": delta.prev_commitment,
        "delta_payload": stored_object(delta.delta_payload_json),
        "ack_sig": delta.ack_sig,
        "ack_pubkey": ack_pubkey,
        "ack_scheme": ack_scheme,
        "status": stored_object(delta.status_json),
    }
    if delta.new_commitment:
        body["new_commitment"] = delta.new_commitment
    return body


def state_object(account_id: str, state: auth_pb.AccountStateInfo, auth_scheme: str) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "state_json": stored_object(state.state_json),
        "commitment": state.commitment,
        "created_at": rfc3339(state.created_at),
        "updated_at": rfc3339(state.updated_at),
        "auth_scheme": auth_scheme,
    }


def _auth_facts(account: pb.Account) -> tuple[str, list[str]]:
    """(scheme, cosigners); an auth this API does not serve (EVM) is shown by its method label."""
    try:
        auth = stored_auth(account.auth_json)
    except ErrorEnvelope:
        try:
            document = json.loads(account.auth_json)
        except ValueError:
            document = None
        label = next(iter(document), "unknown") if isinstance(document, dict) and document else "unknown"
        return str(label), []
    return auth.scheme, list(auth.cosigners)


def account_summary(account: pb.Account) -> dict[str, Any]:
    scheme, cosigners = _auth_facts(account)
    return {
        "account_id": account.account_id,
        "auth_scheme": scheme,
        "authorized_signer_count": len(cosigners),
        "created_at": rfc3339(account.created_at),
        "updated_at": rfc3339(account.updated_at),
        "current_commitment": account.state_commitment or None,
        "has_pending_candidate": account.has_pending_candidate,
        "state_status": "available" if account.state_commitment else "unavailable",
        "paused_at": optional_time(account, "paused_at"),
        "paused_reason": account.paused_reason if account.HasField("paused_at") else None,
        "released_at": optional_time(account, "released_at"),
    }


def account_detail(account: pb.Account) -> dict[str, Any]:
    _, cosigners = _auth_facts(account)
    return {
        **account_summary(account),
        "authorized_signer_ids": sorted(cosigners),
        "state_created_at": optional_time(account, "state_created_at"),
        "state_updated_at": optional_time(account, "state_updated_at"),
    }


def delta_entry(delta: pb.Delta, *, with_account: bool) -> dict[str, Any]:
    status = stored_object(delta.status_json)
    entry: dict[str, Any] = {
        "nonce": delta.nonce,
        "prev_commitment": delta.prev_commitment,
        "new_commitment": delta.new_commitment or None,
        "status": KIND_NAMES.get(delta.status_kind, "candidate"),
        "status_timestamp": rfc3339(delta.status_timestamp),
        "assets": [],
    }
    if isinstance(status.get("reason"), str):
        entry["status_reason"] = status["reason"]
    if isinstance(status.get("retry_count"), int):
        entry["retry_count"] = status["retry_count"]
    if with_account:
        entry = {"account_id": delta.account_id, **entry}
    return entry


def delta_detail(delta: pb.Delta) -> dict[str, Any]:
    """The dashboard delta detail: Miden note and vault decodings are empty for the json network; the
    payload itself is included."""
    return {
        **delta_entry(delta, with_account=True),
        "input_notes": [],
        "output_notes": [],
        "vault_changes": [],
        "storage_changes": [],
        "delta_payload": stored_object(delta.delta_payload_json),
    }
