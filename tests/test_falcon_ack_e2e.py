"""Falcon acks (issue 17 item 4) through real processes: a coordinator on PostgreSQL, 2 auth replicas sharing
the ECDSA and Falcon ack key files, 2 gateways (gateway i asks auth replica i).

- GET /pubkey?scheme=falcon answers the Falcon ack key's commitment on every gateway; the bare route and
  `ecdsa` still answer the ECDSA key; unknown or repeated schemes are a 400 invalid_input.
- A MidenFalconRpo account is configured with the Falcon key named and its pushes are acknowledged with a
  Falcon-512 signature that verifies, with the crypto library alone, against the /pubkey commitment, whichever
  replica signed it. A MidenEcdsa account still gets ECDSA acks. A reconfigure to Falcon cosigners switches
  the account's acks to Falcon.
- auth refuses to start, with one line naming GUARDIAN_ACK_FALCON_KEY_FILE, on a missing, group-readable or
  malformed key file, and in the prod stage without one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from guardian_client import Cosigner, auth_config, delta_body, new_account_id
from guardian_crypto import ecdsa, falcon_verify
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.falcon_codec import decode_signature
from guardian_crypto.field import Word, word_to_hex
from guardian_crypto.rpo import hash_bytes
from guardian_network import JsonNetwork
from guardian_testing.custody_api import Api, write_ack_key, write_falcon_ack_key
from guardian_testing.fleet import Fleet, custody_fleet_fixture
from guardian_testing.identities import falcon_ack_identity, operators
from guardian_testing.processes import spawn

pytestmark = pytest.mark.slow
NETWORK = JsonNetwork()


fleet = custody_fleet_fixture("falcon-acks", coordinators=1, auth=2, gateways=2)


@pytest.fixture
async def api(fleet: Fleet) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Api(http, [fleet.gateway_url(i) for i in range(len(fleet.gateways))])


def message_of(body: dict[str, Any], new_commitment: str) -> Word:
    """The ack message, built here from the documented recipe (docs/client-api.md, "The ack signature")
    rather than with the client's helper."""
    document = {key: body[key] for key in ("account_id", "nonce", "prev_commitment", "delta_payload")}
    return hash_bytes(canonical_json({**document, "new_commitment": new_commitment}))


def falcon_ack_verifies(delta: dict[str, Any], body: dict[str, Any], commitment: str) -> bool:
    signature = bytes.fromhex(delta["ack_sig"])
    embedded = decode_signature(signature).public_key
    if word_to_hex(falcon_verify.public_key_commitment(embedded)) != commitment:
        return False
    return falcon_verify.verify(signature, message_of(body, delta["new_commitment"]))


async def test_pubkey_answers_each_scheme(api: Api) -> None:
    identity = falcon_ack_identity()
    for gateway in (0, 1):
        url = f"{api.url(gateway)}/pubkey"
        for scheme in ("falcon", "FALCON", "Falcon"):
            falcon = await api.http.get(url, params={"scheme": scheme})
            assert falcon.status_code == 200, falcon.text
            # As the reference: the Falcon key's commitment only.
            assert falcon.json() == {"commitment": identity.commitment}
        bare, named = (
            (await api.http.get(url)).json(),
            (await api.http.get(url, params={"scheme": "ecdsa"})).json(),
        )
        assert bare == named and set(bare) == {"commitment", "pubkey"}
        assert len(bytes.fromhex(bare["pubkey"][2:])) == 33
        assert bare["commitment"] == word_to_hex(
            ecdsa.public_key_commitment(bytes.fromhex(bare["pubkey"][2:]))
        )
    for query in ("scheme=rsa", "scheme=falcon512", "scheme=falcon&scheme=falcon"):
        refused = await api.http.get(f"{api.url(0)}/pubkey?{query}")
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == "invalid_input" and "scheme" in refused.json()["message"]


async def test_a_falcon_account_is_acknowledged_with_the_falcon_key(api: Api) -> None:
    identity = falcon_ack_identity()
    assert len(bytes.fromhex(identity.public_key_hex[2:])) == 897
    signer = Cosigner.falcon(operators()[1].secret_key)
    for gateway in (0, 1):  # each auth replica configures and signs one account
        account_id, state = new_account_id(), {"balance": 10}
        configured = await api.configure(signer, account_id, auth_config(signer), state, gateway=gateway)
        assert configured.status_code == 200, configured.text
        assert configured.json()["ack_pubkey"] == identity.public_key_hex
        assert configured.json()["ack_commitment"] == identity.commitment

        body = delta_body(account_id, 1, NETWORK.commitment(state), {"balance": 9})
        pushed = await api.push(signer, body, gateway=gateway)
        assert pushed.status_code == 200, pushed.text
        delta = pushed.json()
        assert delta["ack_scheme"] == "falcon" and delta["ack_pubkey"] == identity.public_key_hex
        assert not delta["ack_sig"].startswith("0x") and len(bytes.fromhex(delta["ack_sig"])) == 1524
        assert falcon_ack_verifies(delta, body, identity.commitment)
        # Bound to this delta: the same signature does not verify another new commitment.
        assert not falcon_ack_verifies(
            {**delta, "new_commitment": "0x" + "00" * 32}, body, identity.commitment
        )
        # The stored ack is the one the push answered.
        read = await api.get_delta(signer, account_id, 1, gateway=1 - gateway)
        assert read.status_code == 200 and read.json()["ack_sig"] == delta["ack_sig"]


async def test_an_ecdsa_account_still_gets_ecdsa_acks(api: Api) -> None:
    signer = Cosigner.ecdsa()
    account_id, state = new_account_id(), {"n": 1}
    key = (await api.http.get(f"{api.url(1)}/pubkey")).json()
    configured = await api.configure(signer, account_id, auth_config(signer), state, gateway=1)
    assert configured.status_code == 200, configured.text
    assert (configured.json()["ack_pubkey"], configured.json()["ack_commitment"]) == (
        key["pubkey"],
        key["commitment"],
    )
    body = delta_body(account_id, 1, NETWORK.commitment(state), {"n": 2})
    pushed = await api.push(signer, body, gateway=0)
    assert pushed.status_code == 200, pushed.text
    delta = pushed.json()
    assert delta["ack_scheme"] == "ecdsa" and delta["ack_pubkey"] == key["pubkey"]
    recovered = ecdsa.recover_public_key(
        message_of(body, delta["new_commitment"]), bytes.fromhex(delta["ack_sig"])
    )
    assert "0x" + recovered.hex() == key["pubkey"]


async def test_a_reconfigure_to_falcon_cosigners_switches_the_acks(api: Api) -> None:
    identity = falcon_ack_identity()
    owner, falcon = Cosigner.ecdsa(), Cosigner.falcon(operators()[2].secret_key)
    account_id, state = new_account_id(), {"k": "v"}
    assert (await api.configure(owner, account_id, auth_config(owner), state)).status_code == 200
    # Authorised by the stored ECDSA cosigner; from now on the account is a Falcon one.
    moved = await api.configure(owner, account_id, auth_config(falcon), state)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["ack_pubkey"], moved.json()["ack_commitment"]) == (
        identity.public_key_hex,
        identity.commitment,
    )
    body = delta_body(account_id, 1, NETWORK.commitment(state), {"k": "w"})
    pushed = await api.push(falcon, body)
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["ack_scheme"] == "falcon"
    assert falcon_ack_verifies(pushed.json(), body, identity.commitment)


# ------------------------------------------------------------------------------------------ start-up refusals


def refused_auth(service_log_dir: Path, **env: str) -> str:
    """Starts auth with `env` and returns the one refusal line (exit status 2, no traceback)."""
    base = {
        "GUARDIAN_GRPC_ADDR": "127.0.0.1:0",
        # Nothing listens there: the refusal must come before auth waits for the coordinator.
        "GUARDIAN_COORDINATOR_TARGET": "127.0.0.1:9",
        "GUARDIAN_STARTUP_WAIT_SECONDS": "600",
    }
    process = spawn("guardian-auth", {**base, **env}, service_log_dir)
    code, log = process.wait_exit(60), process.log()
    assert code == 2, log
    assert "Traceback" not in log, log
    lines = [line for line in log.splitlines() if "refusing to start" in line]
    assert len(lines) == 1, log
    return lines[0]


def test_auth_refuses_unusable_falcon_key_files(service_log_dir: Path, tmp_path: Path) -> None:
    ecdsa_key = str(write_ack_key(tmp_path))
    missing = refused_auth(
        service_log_dir,
        GUARDIAN_ACK_ECDSA_KEY_FILE=ecdsa_key,
        GUARDIAN_ACK_FALCON_KEY_FILE=str(tmp_path / "absent.key"),
    )
    assert "GUARDIAN_ACK_FALCON_KEY_FILE=" in missing and "cannot be read" in missing

    shared = write_falcon_ack_key(tmp_path)
    shared.chmod(0o640)
    open_to_group = refused_auth(
        service_log_dir, GUARDIAN_ACK_ECDSA_KEY_FILE=ecdsa_key, GUARDIAN_ACK_FALCON_KEY_FILE=str(shared)
    )
    assert "GUARDIAN_ACK_FALCON_KEY_FILE=" in open_to_group and "chmod 600" in open_to_group

    wrong = tmp_path / "wrong.key"
    wrong.write_text("ab" * 32 + "\n")  # an ECDSA secret where the Falcon key belongs
    wrong.chmod(0o600)
    malformed = refused_auth(
        service_log_dir, GUARDIAN_ACK_ECDSA_KEY_FILE=ecdsa_key, GUARDIAN_ACK_FALCON_KEY_FILE=str(wrong)
    )
    assert "GUARDIAN_ACK_FALCON_KEY_FILE=" in malformed and "Falcon-512 secret key" in malformed


def test_auth_in_prod_refuses_to_start_without_a_falcon_key(service_log_dir: Path, tmp_path: Path) -> None:
    line = refused_auth(
        service_log_dir,
        GUARDIAN_ENV="prod",
        GUARDIAN_INTERNAL_TOKEN="t" * 32,
        GUARDIAN_ACK_ECDSA_KEY_FILE=str(write_ack_key(tmp_path)),
    )
    assert "GUARDIAN_ACK_FALCON_KEY_FILE is not set" in line
