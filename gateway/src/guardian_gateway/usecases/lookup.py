"""GET /state/lookup?key_commitment=: the accounts whose cosigners include a key, for the holder of that key
(docs/client-api.md). Two internal calls: auth's AuthorizeLookup (the lookup signature, §4.8 of
docs/contracts/client-api.md), then the coordinator's ListAccountsByCosigner; more than a page of accounts
for one key (rare) takes further pages of the same read."""

from __future__ import annotations

import re

from guardian.auth.v1 import auth_pb2 as auth_pb
from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.signed import Credentials
from guardian_gateway.api.state import GatewayState

PAGE = 500
_KEY_COMMITMENT = re.compile(r"(0[xX])?[0-9a-fA-F]{64}")


def check_key_commitment(raw: str | None) -> str:
    """The shape only (auth checks the field elements and normalises): refused before any call."""
    if raw is None or not _KEY_COMMITMENT.fullmatch(raw):
        raise ErrorEnvelope.of(
            "invalid_input", "query parameter 'key_commitment' must be 64 hex digits, 0x optional"
        )
    return raw


async def lookup_accounts(state: GatewayState, creds: Credentials, key_commitment: str) -> list[str]:
    authorized = await state.auth.authorize_lookup(
        auth_pb.LookupAuthorization(
            key_commitment=key_commitment, signature=creds.signature, timestamp=creds.timestamp
        )
    )
    account_ids: list[str] = []
    while True:
        page = await state.coordinator.list_accounts_by_cosigner(
            pb.ListAccountsByCosignerRequest(
                cosigner_commitment=authorized.key_commitment,
                limit=PAGE,
                after_account_id=account_ids[-1] if account_ids else "",
            )
        )
        account_ids.extend(page.account_ids)
        if not page.has_more or not page.account_ids:
            return account_ids
