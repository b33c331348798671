"""The client against real processes: a coordinator on PostgreSQL, an auth replica with an ack key file,
two gateways taken in turn. Every typed call, the ack check, the typed errors, and both logins."""

from __future__ import annotations

import pytest

from guardian_client import (
    AuthenticationFailed,
    CommitmentMismatch,
    Cosigner,
    CustodyClient,
    LoginClient,
    NotFound,
    OperatorKey,
    PendingDeltaConflict,
    WalletKey,
    new_account_id,
)
from guardian_network import JsonNetwork
from guardian_testing.fleet import Fleet, custody_fleet_fixture
from guardian_testing.identities import WALLET_KEYS, falcon_ack_identity, operators

pytestmark = pytest.mark.slow
NETWORK = JsonNetwork()


fleet = custody_fleet_fixture(
    "client", operators=lambda: [(operators()[0], ["dashboard:read"])], coordinators=1, auth=1, gateways=2
)


def urls(fleet: Fleet) -> list[str]:
    return [fleet.gateway_url(i) for i in range(len(fleet.gateways))]


async def test_an_account_through_the_typed_client(fleet: Fleet) -> None:
    signer, stranger = Cosigner.ecdsa(), Cosigner.ecdsa()
    account_id = new_account_id()
    state = {"balance": 10, "owner": "alice"}
    async with CustodyClient(urls(fleet)) as client:
        key = await client.pubkey()
        configured = await client.configure(signer, account_id, state)
        assert configured.ack_pubkey == key.pubkey and configured.ack_commitment == key.commitment

        current = await client.get_state(signer, account_id)
        assert current.state == state and current.commitment == NETWORK.commitment(state)
        assert current.auth_scheme == "ecdsa"

        pushed = await client.push_delta(signer, account_id, 1, current.commitment, {"balance": 7})
        assert pushed.new_commitment == NETWORK.commitment({"balance": 7, "owner": "alice"})
        assert pushed.status_kind == "candidate" and pushed.ack_pubkey == key.pubkey

        read = await client.get_delta(signer, account_id, 1)
        assert read.new_commitment == pushed.new_commitment and read.ack_sig == pushed.ack_sig

        with pytest.raises(PendingDeltaConflict):
            await client.push_delta(signer, account_id, 2, current.commitment, {"balance": 1})
        abandon = await client.abandon_candidate(signer, account_id, 1)
        assert abandon.state == "pending" and abandon.abandon_requested_at
        again = await client.abandon_candidate(signer, account_id, 1)
        assert again == abandon, "a repeated abandon answers the first request"

        with pytest.raises(NotFound) as nothing_canonical:
            await client.get_deltas_since(signer, account_id, 0)
        assert nothing_canonical.value.code == "delta_not_found"
        with pytest.raises(AuthenticationFailed):
            await client.get_state(stranger, account_id)
        with pytest.raises(NotFound):
            await client.get_state(signer, new_account_id())


async def test_a_stale_base_names_the_stored_commitment(fleet: Fleet) -> None:
    signer = Cosigner.ecdsa()
    account_id = new_account_id()
    async with CustodyClient(urls(fleet)) as client:
        await client.configure(signer, account_id, {"n": 1})
        with pytest.raises(CommitmentMismatch) as stale:
            await client.push_delta(signer, account_id, 1, "0x" + "ab" * 32, {"n": 2})
    assert stale.value.expected == NETWORK.commitment({"n": 1})


async def test_a_falcon_cosigner_and_a_pinned_ack_key(fleet: Fleet) -> None:
    signer = Cosigner.falcon(operators()[1].secret_key)
    account_id = new_account_id()
    async with CustodyClient(urls(fleet)) as discover:
        falcon = await discover.pubkey("falcon")
    assert falcon.commitment == falcon_ack_identity().commitment, "the fleet's GUARDIAN_ACK_FALCON_KEY_FILE"
    async with CustodyClient(urls(fleet), falcon_ack_commitment=falcon.commitment) as client:
        configured = await client.configure(signer, account_id, {"k": "v"})
        assert configured.account_id == account_id
        # A MidenFalconRpo account is acknowledged with the Falcon key: configure names it.
        assert configured.ack_commitment == falcon.commitment
        assert configured.ack_pubkey == falcon_ack_identity().public_key_hex
        pushed = await client.push_delta(signer, account_id, 1, NETWORK.commitment({"k": "v"}), {"k": None})
        assert pushed.new_commitment == NETWORK.commitment({})
        assert pushed.ack_scheme == "falcon" and pushed.ack_pubkey == falcon_ack_identity().public_key_hex
        assert (await client.get_state(signer, account_id)).auth_scheme == "falcon"


async def test_operator_and_wallet_logins(fleet: Fleet) -> None:
    async with LoginClient(urls(fleet)) as client:
        operator = await client.operator_login(OperatorKey(operators()[0].secret_key))
        assert operator.operator_id == operators()[0].commitment
        info = await client.operator_session(operator)
        assert info.operator_id == operator.operator_id and info.permissions == ["dashboard:read"]
        await client.logout(operator)
        with pytest.raises(AuthenticationFailed):
            await client.operator_session(operator)

        wallet = WalletKey(bytes.fromhex(WALLET_KEYS[0]))
        session = await client.wallet_login(wallet)
        assert session.address == wallet.address
        assert await client.wallet_session(session) == wallet.address
        await client.logout(session)
        with pytest.raises(AuthenticationFailed):
            await client.wallet_session(session)

        with pytest.raises(AuthenticationFailed):  # a key that is not on the allowlist
            await client.operator_login(operators()[2])
