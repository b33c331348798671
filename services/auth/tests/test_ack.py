"""The delta acknowledgement key and signature."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from guardian_auth.domain.ack import AckDelta, ack_message, load_ack_signer
from guardian_common.errors import ConfigurationError
from guardian_common.stage import Stage
from guardian_crypto import ecdsa

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
