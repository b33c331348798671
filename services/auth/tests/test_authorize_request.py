"""AccountAuth.AuthorizeRequest's domain (guardian_auth.domain.authorize): which cosigners decide, when the replay
floor moves, and what comes back; on a fixed clock, an in-memory replay floor and in-memory accounts. Every test runs
twice: with the account read and the floor moved in two store calls, and in one (a signed read, as the coordinator's
Custody.ReadAsSigner does it)."""

from __future__ import annotations

import dataclasses
import json
import secrets
from datetime import UTC, datetime

import pytest

from guardian_auth.domain.authorize import AuthorizationRequest, RequestAuthorizer
from guardian_auth.domain.request_auth import RequestAuthenticator
from guardian_auth.domain.stores import FloorOutcome, SignedAccountRead, StoredAccount, StoredState
from guardian_common.envelope import ErrorEnvelope
from guardian_crypto import ecdsa
from guardian_crypto.digests import request_digest
from guardian_crypto.field import word_to_hex

NOW = 1_700_000_000_000
ACCOUNT = "0x" + "cd" * 15
PAYLOAD = b'{"account_id":"0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"}'
MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


class Floor:
    def __init__(self) -> None:
        self.floors: dict[tuple[str, str], int] = {}

    async def advance(self, account_id: str, signer_commitment: str, timestamp_ms: int) -> FloorOutcome:
        key = (account_id, signer_commitment)
        if self.floors.get(key, -1) >= timestamp_ms:
            return FloorOutcome.REPLAY
        self.floors[key] = timestamp_ms
        return FloorOutcome.ACCEPTED


class Accounts:
    def __init__(self) -> None:
        self.stored: dict[str, StoredAccount] = {}
        self.reads: list[tuple[str, bool]] = []

    async def account_with_state(self, account_id: str) -> StoredAccount | None:
        self.reads.append((account_id, True))
        return self.stored.get(account_id)

    async def account(self, account_id: str) -> StoredAccount | None:
        self.reads.append((account_id, False))
        found = self.stored.get(account_id)
        return None if found is None else StoredAccount(found.auth_json, None)


class SignedReads:
    """Custody.ReadAsSigner over the same accounts and floors: the first candidate among the cosigners listed under
    the method, and its floor."""

    def __init__(self, accounts: Accounts, floor: Floor) -> None:
        self.accounts, self.floor = accounts, floor

    async def read_as_signer(
        self,
        account_id: str,
        *,
        include_state: bool,
        auth_method: str,
        candidates: list[str],
        timestamp_ms: int,
    ) -> SignedAccountRead | None:
        self.accounts.reads.append((account_id, include_state))
        found = self.accounts.stored.get(account_id)
        if found is None:
            return None
        body = json.loads(found.auth_json).get(auth_method)
        cosigners = body.get("cosigner_commitments", []) if isinstance(body, dict) else []
        signer = next((candidate for candidate in candidates if candidate in cosigners), None)
        floor = None if signer is None else await self.floor.advance(account_id, signer, timestamp_ms)
        return SignedAccountRead(
            found if include_state else StoredAccount(found.auth_json, None), signer, floor
        )


class Key:
    def __init__(self) -> None:
        self.secret = secrets.token_bytes(32)
        self.commitment = word_to_hex(ecdsa.public_key_commitment(ecdsa.public_key_from_secret(self.secret)))

    def auth_json(self) -> str:
        return json.dumps({"MidenEcdsa": {"cosigner_commitments": [self.commitment]}})

    def request(self, ts: int = NOW, **options: object) -> AuthorizationRequest:
        signature = ecdsa.sign(self.secret, request_digest(ACCOUNT, ts, PAYLOAD)).hex()
        return AuthorizationRequest(ACCOUNT, "", signature, str(ts), PAYLOAD, **options)  # type: ignore[arg-type]


@pytest.fixture
def floor() -> Floor:
    return Floor()


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


@pytest.fixture(params=["two store calls", "one signed read"])
def authorizer(request: pytest.FixtureRequest, floor: Floor, accounts: Accounts) -> RequestAuthorizer:
    signed = SignedReads(accounts, floor) if request.param == "one signed read" else None
    return RequestAuthorizer(accounts, RequestAuthenticator(floor, clock_ms=lambda: NOW), signed)


async def refused(authorizer: RequestAuthorizer, request: AuthorizationRequest) -> str:
    with pytest.raises(ErrorEnvelope) as error:
        await authorizer.authorize(request)
    return error.value.code


async def test_stored_cosigners_decide_and_the_floor_advances(
    authorizer: RequestAuthorizer, accounts: Accounts, floor: Floor
) -> None:
    owner, stranger = Key(), Key()
    accounts.stored[ACCOUNT] = StoredAccount(owner.auth_json(), None)
    authorized = await authorizer.authorize(owner.request())
    assert (authorized.signer_commitment, authorized.timestamp_ms) == (owner.commitment, NOW)
    assert authorized.account_exists and authorized.auth_scheme == "ecdsa" and authorized.state is None
    assert floor.floors == {(ACCOUNT, owner.commitment): NOW}
    assert accounts.reads == [(ACCOUNT, False)]  # no state asked, none read
    assert await refused(authorizer, owner.request()) == "authentication_replay"
    # An existing account's stored cosigners decide, whatever a configure proposes.
    takeover = stranger.request(NOW + 1, proposed_auth_json=stranger.auth_json())
    assert await refused(authorizer, takeover) == "authentication_failed"
    assert (ACCOUNT, stranger.commitment) not in floor.floors


async def test_state_comes_from_the_same_read(authorizer: RequestAuthorizer, accounts: Accounts) -> None:
    owner = Key()
    state = StoredState('{"n": 1}', "0x" + "ab" * 32, MOMENT, MOMENT)
    accounts.stored[ACCOUNT] = StoredAccount(owner.auth_json(), state)
    authorized = await authorizer.authorize(owner.request(include_state=True))
    assert authorized.state == state
    assert accounts.reads == [(ACCOUNT, True)]


async def test_missing_account_is_refused_before_authentication(
    authorizer: RequestAuthorizer, floor: Floor
) -> None:
    assert await refused(authorizer, Key().request()) == "account_not_found"
    bogus = AuthorizationRequest(ACCOUNT, "", "zz", "not a time", PAYLOAD)
    assert await refused(authorizer, bogus) == "account_not_found"
    assert floor.floors == {}


async def test_a_creation_is_authorised_by_the_proposed_cosigners_without_the_floor(
    authorizer: RequestAuthorizer, floor: Floor
) -> None:
    creator, stranger = Key(), Key()
    request = creator.request(defer_replay_check=True, proposed_auth_json=creator.auth_json())
    authorized = await authorizer.authorize(request)
    assert not authorized.account_exists and authorized.signer_commitment == creator.commitment
    assert floor.floors == {}  # ConfigureAccount checks the stamp in its own transaction
    forged = stranger.request(defer_replay_check=True, proposed_auth_json=creator.auth_json())
    assert await refused(authorizer, forged) == "authentication_failed"
    evm = creator.request(proposed_auth_json=json.dumps({"EvmEcdsa": {}}))
    assert await refused(authorizer, evm) == "unsupported_for_network"
    assert await refused(authorizer, creator.request(proposed_auth_json="{")) == "invalid_input"


async def test_an_evm_account_is_unsupported(authorizer: RequestAuthorizer, accounts: Accounts) -> None:
    accounts.stored[ACCOUNT] = StoredAccount(json.dumps({"EvmEcdsa": {"signers": []}}), None)
    assert await refused(authorizer, Key().request()) == "unsupported_for_network"


async def test_the_ack_key_follows_the_scheme_a_configure_submits(
    authorizer: RequestAuthorizer, accounts: Accounts
) -> None:
    owner = Key()
    falcon_auth = json.dumps({"MidenFalconRpo": {"cosigner_commitments": ["0x" + "12" * 32]}})
    accounts.stored[ACCOUNT] = StoredAccount(owner.auth_json(), None)
    plain = await authorizer.authorize(owner.request(NOW))
    assert (plain.auth_scheme, plain.ack_scheme) == ("ecdsa", "ecdsa")
    # A reconfigure to Falcon cosigners is authorised by the stored ECDSA cosigner and acknowledged in Falcon.
    moved = await authorizer.authorize(owner.request(NOW + 1, proposed_auth_json=falcon_auth))
    assert (moved.auth_scheme, moved.ack_scheme) == ("ecdsa", "falcon")


async def test_outside_the_window_an_existing_account_is_401_and_no_floor_moves(
    authorizer: RequestAuthorizer, accounts: Accounts, floor: Floor
) -> None:
    owner = Key()
    late = owner.request(NOW - 300_001)
    assert await refused(authorizer, late) == "account_not_found"
    accounts.stored[ACCOUNT] = StoredAccount(owner.auth_json(), None)
    assert await refused(authorizer, late) == "authentication_failed"
    garbled = dataclasses.replace(owner.request(NOW, include_state=True), signature="zz")
    assert await refused(authorizer, garbled) == "authentication_failed"
    assert floor.floors == {}


async def test_x_pubkey_decides_when_the_recovered_key_is_not_a_cosigner(
    authorizer: RequestAuthorizer, accounts: Accounts, floor: Floor
) -> None:
    owner = Key()
    accounts.stored[ACCOUNT] = StoredAccount(owner.auth_json(), None)
    signature = bytearray(ecdsa.sign(owner.secret, request_digest(ACCOUNT, NOW, PAYLOAD)))
    signature[64] ^= 1  # the other recovery id: recovery now yields a different key, (r, s) still verify
    pubkey = ecdsa.public_key_from_secret(owner.secret).hex()
    flipped = AuthorizationRequest(ACCOUNT, pubkey, signature.hex(), str(NOW), PAYLOAD)
    assert (await authorizer.authorize(flipped)).signer_commitment == owner.commitment
    stranger = ecdsa.public_key_from_secret(Key().secret).hex()
    wrong_key = AuthorizationRequest(ACCOUNT, stranger, signature.hex(), str(NOW + 1), PAYLOAD)
    assert await refused(authorizer, wrong_key) == "authentication_failed"
    assert floor.floors == {(ACCOUNT, owner.commitment): NOW}


async def test_a_cosigner_of_another_scheme_is_refused(
    authorizer: RequestAuthorizer, accounts: Accounts, floor: Floor
) -> None:
    owner = Key()
    # The same commitment listed as a Falcon cosigner: an ECDSA signature by its key is not a Falcon signature.
    accounts.stored[ACCOUNT] = StoredAccount(
        json.dumps({"MidenFalconRpo": {"cosigner_commitments": [owner.commitment]}}), None
    )
    assert await refused(authorizer, owner.request()) == "authentication_failed"
    assert floor.floors == {}
