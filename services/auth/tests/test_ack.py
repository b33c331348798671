"""The delta acknowledgement keys (ECDSA and Falcon) and signatures."""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

import pytest

from guardian_auth.domain import ack as ack_module
from guardian_auth.domain.ack import (
    AckDelta,
    AckKeys,
    ack_message,
    load_ack_signer,
    load_falcon_ack_signer,
)
from guardian_common.envelope import ErrorEnvelope
from guardian_common.errors import ConfigurationError
from guardian_common.stage import Stage
from guardian_crypto import ecdsa, falcon_verify
from guardian_crypto.falcon_codec import decode_signature
from guardian_crypto.field import word_to_hex
from guardian_testing.identities import falcon_ack_identity

DELTA = AckDelta("0x" + "01" * 15, 3, "0x" + "aa" * 32, "0x" + "bb" * 32, {"patch": {"a": 1}})


def key_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "ack.key"
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_the_ack_recovers_to_the_published_key(tmp_path: Path) -> None:
    signer = load_ack_signer(key_file(tmp_path, "0x" + secrets.token_hex(32) + "\n"), Stage.PROD)
    ack = signer.sign(DELTA)
    assert len(bytes.fromhex(ack.signature_hex)) == 65 and not ack.signature_hex.startswith("0x")
    recovered = ecdsa.recover_public_key(ack_message(DELTA), bytes.fromhex(ack.signature_hex))
    assert "0x" + recovered.hex() == signer.public_key_hex == ack.public_key_hex
    assert signer.configured


def test_the_message_binds_every_field() -> None:
    variants = [
        AckDelta(DELTA.account_id, 4, DELTA.prev_commitment, DELTA.new_commitment, DELTA.delta_payload),
        AckDelta(DELTA.account_id, 3, DELTA.prev_commitment, "0x" + "cc" * 32, DELTA.delta_payload),
        AckDelta(DELTA.account_id, 3, DELTA.prev_commitment, DELTA.new_commitment, {"patch": {"a": 2}}),
    ]
    assert len({ack_message(d) for d in [DELTA, *variants]}) == 4


def test_unset_key_is_ephemeral_outside_prod_and_refused_in_prod() -> None:
    assert not load_ack_signer(None, Stage.NON_PROD).configured
    with pytest.raises(ConfigurationError, match="GUARDIAN_ACK_ECDSA_KEY_FILE"):
        load_ack_signer(None, Stage.PROD)


@pytest.mark.parametrize(
    ("text", "mode", "problem"),
    [
        ("ab" * 32, 0o640, "group or others"),
        ("ab" * 32, 0o604, "group or others"),
        ("ab" * 31, 0o600, "64 hex"),
        ("zz" * 32, 0o600, "64 hex"),
        ("00" * 32, 0o600, "not a valid secp256k1"),
    ],
)
def test_bad_key_files_refuse_startup(tmp_path: Path, text: str, mode: int, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        load_ack_signer(key_file(tmp_path, text, mode), Stage.NON_PROD)


def test_missing_key_file_refuses_startup(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot be read"):
        load_ack_signer(tmp_path / "absent", Stage.NON_PROD)


# ------------------------------------------------------------------------------------------------ Falcon

FALCON_SECRET_HEX = falcon_ack_identity().secret_key.to_bytes().hex()


def falcon_key_file(tmp_path: Path, text: str = FALCON_SECRET_HEX + "\n", mode: int = 0o600) -> Path:
    path = tmp_path / "ack-falcon.key"
    path.write_text(text)
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize(
    "text", [FALCON_SECRET_HEX, "0x" + FALCON_SECRET_HEX + "\n", f"  {FALCON_SECRET_HEX}\n\n"]
)
async def test_a_falcon_ack_verifies_against_the_configured_key(tmp_path: Path, text: str) -> None:
    signer = load_falcon_ack_signer(falcon_key_file(tmp_path, text), Stage.PROD)
    assert signer is not None and signer.configured
    identity = falcon_ack_identity()
    assert (signer.public_key_hex, signer.commitment) == (identity.public_key_hex, identity.commitment)
    ack = await signer.sign(DELTA)
    assert ack.scheme == "falcon" and ack.message == ack_message(DELTA)
    raw = bytes.fromhex(ack.signature_hex)  # no 0x, as the reference
    assert len(raw) == 1524 and len(bytes.fromhex(ack.public_key_hex.removeprefix("0x"))) == 897
    assert falcon_verify.verify(raw, ack_message(DELTA))
    embedded = decode_signature(raw).public_key
    assert "0x" + embedded.hex() == signer.public_key_hex == ack.public_key_hex
    assert word_to_hex(falcon_verify.public_key_commitment(embedded)) == signer.commitment
    other = AckDelta(DELTA.account_id, 4, DELTA.prev_commitment, DELTA.new_commitment, DELTA.delta_payload)
    assert not falcon_verify.verify(raw, ack_message(other))


def test_unset_falcon_key_is_generated_on_demand_outside_prod_and_refused_in_prod(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING"):
        assert load_falcon_ack_signer(None, Stage.NON_PROD) is None
    assert "GUARDIAN_ACK_FALCON_KEY_FILE is not set" in caplog.text
    with pytest.raises(ConfigurationError, match=r"GUARDIAN_ACK_FALCON_KEY_FILE is not set.*prod"):
        load_falcon_ack_signer(None, Stage.PROD)


@pytest.mark.parametrize(
    ("text", "mode", "problem"),
    [
        (FALCON_SECRET_HEX, 0o640, "group or others"),
        (FALCON_SECRET_HEX, 0o660, "group or others"),
        (FALCON_SECRET_HEX, 0o604, "group or others"),
        (FALCON_SECRET_HEX[:-2], 0o600, "2562 hex"),
        ("ab" * 32, 0o600, "2562 hex"),  # an ECDSA secret in the Falcon setting
        ("zz" + FALCON_SECRET_HEX[2:], 0o600, "2562 hex"),
        ("59" + "00" * 1280, 0o600, "not a valid Falcon-512 secret key"),
        ("00" * 1281, 0o600, "not a valid Falcon-512 secret key"),
    ],
)
def test_bad_falcon_key_files_refuse_startup(tmp_path: Path, text: str, mode: int, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=f"GUARDIAN_ACK_FALCON_KEY_FILE=.*{problem}"):
        load_falcon_ack_signer(falcon_key_file(tmp_path, text, mode), Stage.NON_PROD)


def test_missing_or_unreadable_falcon_key_file_refuses_startup(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"GUARDIAN_ACK_FALCON_KEY_FILE=.*cannot be read"):
        load_falcon_ack_signer(tmp_path / "absent", Stage.NON_PROD)
    with pytest.raises(ConfigurationError, match=r"GUARDIAN_ACK_FALCON_KEY_FILE=.*cannot be read"):
        load_falcon_ack_signer(tmp_path, Stage.NON_PROD)  # a directory


async def test_the_account_scheme_picks_the_key(tmp_path: Path) -> None:
    ecdsa_signer = load_ack_signer(key_file(tmp_path, secrets.token_hex(32)), Stage.PROD)
    keys = AckKeys(ecdsa_signer, load_falcon_ack_signer(falcon_key_file(tmp_path), Stage.PROD))
    payload = '{"patch": {"a": 1}}'
    args = (DELTA.account_id, DELTA.nonce, DELTA.prev_commitment, DELTA.new_commitment, payload)
    by_ecdsa = await keys.sign_json("ecdsa", *args)
    assert by_ecdsa.scheme == "ecdsa" and by_ecdsa.public_key_hex == ecdsa_signer.public_key_hex
    assert (
        ecdsa.recover_public_key(ack_message(DELTA), bytes.fromhex(by_ecdsa.signature_hex)).hex()
        == (ecdsa_signer.public_key_hex[2:])
    )
    by_falcon = await keys.sign_json("falcon", *args)
    assert by_falcon.scheme == "falcon" and by_falcon.public_key_hex == falcon_ack_identity().public_key_hex
    assert falcon_verify.verify(bytes.fromhex(by_falcon.signature_hex), ack_message(DELTA))
    assert (await keys.info("ecdsa")).commitment == ecdsa_signer.commitment
    falcon_info = await keys.info("falcon")
    assert (falcon_info.scheme, falcon_info.commitment) == ("falcon", falcon_ack_identity().commitment)
    for bad in ("", "rsa", "FALCON"):
        with pytest.raises(ErrorEnvelope) as raised:
            await keys.info(bad)
        assert raised.value.code == "invalid_input"
    with pytest.raises(ErrorEnvelope) as raised:
        await keys.sign_json("falcon", DELTA.account_id, 1, DELTA.prev_commitment, DELTA.new_commitment, "[]")
    assert raised.value.code == "invalid_input"


async def test_an_unconfigured_falcon_key_is_generated_once_when_first_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    generated: list[int] = []

    def fake_generation() -> bytes:  # the real one takes seconds: hand out the test key instead
        generated.append(1)
        return falcon_ack_identity().secret_key.to_bytes()

    monkeypatch.setattr(ack_module, "new_falcon_secret", fake_generation)
    keys = AckKeys(load_ack_signer(None, Stage.NON_PROD), None)
    assert generated == [] and keys.falcon_commitment is None
    await keys.info("ecdsa")
    assert generated == [], "ECDSA accounts never pay for a Falcon key"
    first, second = await asyncio.gather(keys.info("falcon"), keys.info("falcon"))
    assert first == second and first.commitment == falcon_ack_identity().commitment
    await keys.sign_json("falcon", DELTA.account_id, 1, DELTA.prev_commitment, DELTA.new_commitment, "{}")
    assert generated == [1] and not keys.falcon_configured
