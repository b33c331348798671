"""The signed reads: GET /state in one internal call (auth answers with the state it read along with the
cosigners), GET /delta and GET /delta/since in two (auth, then one coordinator read; /delta/since reads a
history longer than a page in further pages of the same call)."""

from __future__ import annotations

from dataclasses import dataclass

from guardian.auth.v1 import auth_pb2 as auth_pb
from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.signed import Credentials
from guardian_gateway.api.state import GatewayState
from guardian_gateway.domain.json_values import canonical_bytes
from guardian_gateway.usecases.authorize import authorize

SINCE_PAGE = 500


@dataclass(frozen=True)
class CurrentState:
    state: auth_pb.AccountStateInfo
    auth_scheme: str


async def read_state(state: GatewayState, creds: Credentials, account_id: str) -> CurrentState:
    """Signed payload `{"account_id": …}`. No state → 404 state_not_found (after authentication)."""
    payload = canonical_bytes({"account_id": account_id}, "query")
    authorized = await authorize(state, account_id, creds, payload, include_state=True)
    if not authorized.HasField("state"):
        raise ErrorEnvelope.of("state_not_found")
    return CurrentState(authorized.state, authorized.auth_scheme)


def _nonce_payload(account_id: str, nonce: int) -> bytes:
    return canonical_bytes({"account_id": account_id, "nonce": nonce}, "query")


async def read_delta(state: GatewayState, creds: Credentials, account_id: str, nonce: int) -> pb.Delta:
    """The delta at `nonce`, whatever its status; none → 404 delta_not_found."""
    await authorize(state, account_id, creds, _nonce_payload(account_id, nonce))
    delta = await state.coordinator.get_delta(account_id, nonce)
    if delta is None:
        raise ErrorEnvelope.of("delta_not_found")
    return delta


async def read_canonical_since(
    state: GatewayState, creds: Credentials, account_id: str, nonce: int
) -> list[pb.Delta]:
    """The canonical deltas with nonce ≥ `nonce`, ascending; none → 404 delta_not_found."""
    await authorize(state, account_id, creds, _nonce_payload(account_id, nonce))
    rows: list[pb.Delta] = []
    from_nonce = nonce
    while True:
        page = await state.coordinator.list_deltas_since(
            pb.ListDeltasSinceRequest(
                account_id=account_id,
                from_nonce=from_nonce,
                statuses=[pb.DELTA_KIND_CANONICAL],
                limit=SINCE_PAGE,
            )
        )
        rows.extend(page.deltas)
        if not page.has_more or not page.deltas:
            break
        from_nonce = page.deltas[-1].nonce + 1
    if not rows:
        raise ErrorEnvelope.of("delta_not_found")
    return rows
