"""Request signatures made by the client, checked by the auth service's own verifier; the ack check
against auth's own ack signer; the wallet and operator keys against the server-side recoveries."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from guardian_auth.domain.ack import AckDelta, AckSigner, FalconAckSigner
from guardian_auth.domain.request_auth import RequestAuthenticator, Scheme, SignedRequest
from guardian_auth.domain.stores import FloorOutcome
from guardian_client import (
    Cosigner,
    KeyFileError,
    OperatorKey,
    WalletKey,
    ack_message,
    ack_verifies,
    auth_config,
    configure_call,
    delta_body,
    delta_call,
    falcon_ack_verifies,
    new_account_id,
    push_call,
    read_falcon_key_file,
    state_call,
)
from guardian_common.envelope import ErrorEnvelope
from guardian_crypto import eip712, falcon_verify
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.field import word_from_hex
from guardian_testing.identities import WALLET_KEYS, falcon_ack_identity, operators, wallets


class Floors:
    """The replay floor as the coordinator keeps it: a timestamp must beat the signer's last one."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], int] = {}

    async def advance(self, account_id: str, signer_commitment: str, timestamp_ms: int) -> FloorOutcome:
        key = (account_id, signer_commitment)
        if timestamp_ms <= self.last.get(key, -1):
            return FloorOutcome.REPLAY
        self.last[key] = timestamp_ms
        return FloorOutcome.ACCEPTED


def signed_request(
    headers: dict[str, str], account_id: str, signed: object, cosigners: list[Cosigner]
) -> SignedRequest:
    """What the gateway hands auth: the headers and the canonical bytes of the route's signed value."""
    return SignedRequest(
        account_id=account_id,
        pubkey=headers["x-pubkey"],
        signature=headers["x-signature"],
        timestamp=headers["x-timestamp"],
        payload=canonical_json(signed),
        scheme=Scheme.FALCON if cosigners[0].scheme == "falcon" else Scheme.ECDSA,
        cosigners=[c.commitment for c in cosigners],
        consume_timestamp=True,
    )


def cosigners() -> list[Cosigner]:
    return [Cosigner.ecdsa(bytes.fromhex("42" * 32)), Cosigner.falcon(operators()[0].secret_key)]


@pytest.mark.parametrize("signer", cosigners(), ids=["ecdsa", "falcon"])
async def test_every_routes_signature_verifies_with_auth_and_a_replay_does_not(signer: Cosigner) -> None:
    account_id = new_account_id()
    verifier = RequestAuthenticator(Floors())
    calls = [
        configure_call(account_id, auth_config(signer), {"balance": 1}),
        configure_call(account_id, auth_config(signer), {"balance": 1}, {"kind": "json"}),
        push_call(
            {
                **delta_body(account_id, 1, "0x" + "00" * 32, {"a": [1, "ü"]}),
                "memo": "extra fields are signed",
            }
        ),
        state_call(account_id),
        delta_call(account_id, 3),
        delta_call(account_id, 3, "/delta/since"),
    ]
    for call in calls:
        headers = call.headers(signer)
        request = signed_request(headers, account_id, call.signed, [signer])
        verified = await verifier.verify(request)
        assert verified.signer_commitment == signer.commitment
        assert verified.timestamp_ms == int(headers["x-timestamp"])
        if call.body is not None:  # what is sent is what is signed
            assert canonical_json(json.loads(call.body)) == canonical_json(call.signed)
            assert headers["content-type"] == "application/json"
        with pytest.raises(ErrorEnvelope) as replay:
            await verifier.verify(request)
        assert replay.value.code == "authentication_replay"


async def test_a_signature_covers_the_account_the_payload_and_the_signer() -> None:
    signer, stranger = Cosigner.ecdsa(), Cosigner.ecdsa()
    account_id = new_account_id()
    payload = {"account_id": account_id}
    verifier = RequestAuthenticator(Floors())
    headers = signer.headers(account_id, payload)
    for request in (
        signed_request(headers, account_id, {"account_id": new_account_id()}, [signer]),
        signed_request(headers, new_account_id(), payload, [signer]),
        signed_request(headers, account_id, payload, [stranger]),
        signed_request(
            {**headers, "x-timestamp": str(int(headers["x-timestamp"]) + 1)}, account_id, payload, [signer]
        ),
    ):
        with pytest.raises(ErrorEnvelope) as refused:
            await verifier.verify(request)
        assert refused.value.code == "authentication_failed"


def test_a_signers_clock_never_repeats_or_goes_back() -> None:
    signer = Cosigner.ecdsa()
    stamps = [int(signer.headers(new_account_id(), {})["x-timestamp"]) for _ in range(50)]
    assert all(b > a for a, b in itertools.pairwise(stamps))


def test_auth_config_names_the_scheme_and_refuses_mixed_or_no_cosigners() -> None:
    ecdsa_signer, falcon_signer = cosigners()
    assert auth_config(ecdsa_signer) == {"MidenEcdsa": {"cosigner_commitments": [ecdsa_signer.commitment]}}
    assert list(auth_config(falcon_signer)) == ["MidenFalconRpo"]
    for bad in ((), (ecdsa_signer, falcon_signer)):
        with pytest.raises(ValueError):
            auth_config(*bad)


def test_the_ack_verifies_only_for_the_acked_delta_and_the_servers_key() -> None:
    server, impostor = AckSigner(bytes.fromhex("33" * 32), True), AckSigner(bytes.fromhex("44" * 32), True)
    delta = AckDelta(new_account_id(), 7, "0x" + "01" * 32, "0x" + "02" * 32, {"patch": {"a": 1}})
    ack = server.sign(delta)
    fields = (delta.account_id, delta.nonce, delta.prev_commitment, delta.new_commitment, delta.delta_payload)
    message = ack_message(*fields)
    assert message == ack.message, "the client builds the same Word as auth"
    assert ack_verifies(message, ack.signature_hex, server.public_key_hex)
    assert ack_verifies(message, "0x" + ack.signature_hex, server.public_key_hex)
    assert not ack_verifies(message, ack.signature_hex, impostor.public_key_hex)
    assert not ack_verifies(message, impostor.sign(delta).signature_hex, server.public_key_hex)
    tampered = [
        ack_message(delta.account_id, 8, *fields[2:]),
        ack_message(*fields[:3], "0x" + "03" * 32, delta.delta_payload),
        ack_message(*fields[:4], {"patch": {"a": 2}}),
    ]
    assert not any(ack_verifies(m, ack.signature_hex, server.public_key_hex) for m in tampered)
    flipped = ack.signature_hex[:10] + ("0" if ack.signature_hex[10] != "0" else "1") + ack.signature_hex[11:]
    for bad_signature in (flipped, "zz", "", ack.signature_hex[:-2]):
        assert not ack_verifies(message, bad_signature, server.public_key_hex)


async def test_a_falcon_ack_verifies_only_for_the_acked_delta_and_the_servers_key() -> None:
    server = FalconAckSigner(falcon_ack_identity().secret_key.to_bytes(), True)
    impostor = FalconAckSigner(operators()[0].secret_key.to_bytes(), True)
    delta = AckDelta(new_account_id(), 7, "0x" + "01" * 32, "0x" + "02" * 32, {"patch": {"a": 1}})
    ack = await server.sign(delta)
    fields = (delta.account_id, delta.nonce, delta.prev_commitment, delta.new_commitment, delta.delta_payload)
    message = ack_message(*fields)
    assert message == ack.message, "the client builds the same Word as auth"
    assert falcon_ack_verifies(message, ack.signature_hex, server.commitment)
    assert falcon_ack_verifies(
        message, "0x" + ack.signature_hex, server.commitment.upper().replace("0X", "0x")
    )
    assert not falcon_ack_verifies(message, ack.signature_hex, impostor.commitment)
    # The impostor's own valid signature: its embedded key is not the trusted one.
    assert not falcon_ack_verifies(message, (await impostor.sign(delta)).signature_hex, server.commitment)
    tampered = [
        ack_message(delta.account_id, 8, *fields[2:]),
        ack_message(*fields[:3], "0x" + "03" * 32, delta.delta_payload),
        ack_message(*fields[:4], {"patch": {"a": 2}}),
    ]
    assert not any(falcon_ack_verifies(m, ack.signature_hex, server.commitment) for m in tampered)
    flipped = ack.signature_hex[:10] + ("0" if ack.signature_hex[10] != "0" else "1") + ack.signature_hex[11:]
    for bad_signature in (flipped, "zz", "", ack.signature_hex[:-2], ack.signature_hex + "00"):
        assert not falcon_ack_verifies(message, bad_signature, server.commitment)
    for bad_commitment in ("", "0x12", "zz" * 32):
        assert not falcon_ack_verifies(message, ack.signature_hex, bad_commitment)
    # An ECDSA ack never passes as a Falcon one.
    ecdsa_ack = AckSigner(bytes.fromhex("33" * 32), True).sign(delta)
    assert not falcon_ack_verifies(message, ecdsa_ack.signature_hex, server.commitment)


def test_wallet_key_matches_ethereum_and_signs_what_auth_recovers() -> None:
    for secret, reference in zip(WALLET_KEYS, wallets(), strict=True):
        key = WalletKey(bytes.fromhex(secret))
        assert key.address == reference.address  # computed by eth_account
        signature = key.sign_session("0x" + "ab" * 32, 1_700_000_000, 1_700_000_300)
        recovered = eip712.recover_session_signer(
            key.address, "0x" + "ab" * 32, 1_700_000_000, 1_700_000_300, bytes.fromhex(signature[2:])
        )
        assert recovered == key.address


def test_operator_key_from_a_key_file(tmp_path: Path) -> None:
    identity = operators()[1]
    path = tmp_path / "operator.key"
    path.write_text("0x" + identity.secret_key.to_bytes().hex() + "\n")
    key = OperatorKey.from_file(path)
    assert key.commitment == identity.commitment and key.public_key_hex == identity.public_key_hex
    digest = "0x" + "07" + "00" * 31
    assert falcon_verify.verify(bytes.fromhex(key.sign_digest(digest)[2:]), word_from_hex(digest))
    (tmp_path / "bad.key").write_text("00" * 10)
    for missing_or_bad in (tmp_path / "missing.key", tmp_path / "bad.key"):
        with pytest.raises(KeyFileError):
            read_falcon_key_file(missing_or_bad)
