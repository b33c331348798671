"""Runs the ``guardian-operator`` console script as a subprocess."""

import json
import socket
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from guardian_auth import operator_cli
from guardian_crypto import falcon_verify
from guardian_crypto.field import word_from_hex, word_to_hex
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import start_fleet, write_allowlist
from guardian_testing.identities import operators

REPO = Path(__file__).resolve().parents[3]
SEED0_KEY = REPO / "libs" / "crypto" / "tests" / "data" / "seed0_secret_key.hex"
DIGEST = "0x6400000000000000610000000000000074000000000000006100000000000000"


def _command() -> list[str]:
    script = Path(sys.executable).with_name("guardian-operator")
    return [str(script)] if script.exists() else [sys.executable, "-m", "guardian_auth.operator_cli"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_command(), *args], capture_output=True, text=True, timeout=120, check=False)


def _fields(stdout: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in stdout.strip().splitlines())


def _falcon_vector() -> dict[str, str]:
    path = REPO / "libs" / "crypto" / "tests" / "vectors" / "falcon512_poseidon2_vectors.json"
    vector: dict[str, str] = json.loads(path.read_text())["deterministic_signature_vector"]
    return vector


def test_keygen_pubkey_sign(tmp_path: Path) -> None:
    key_file = tmp_path / "operator.key"
    generated = _run("keygen", "--out", str(key_file))
    assert generated.returncode == 0, generated.stderr
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    content = key_file.read_text()
    assert content.endswith("\n") and len(content.strip()) == 2 * 1281 and content.count("\n") == 1
    keys = _fields(generated.stdout)
    assert set(keys) == {"public_key", "commitment"}
    public_key = bytes.fromhex(keys["public_key"][2:])
    assert word_to_hex(falcon_verify.public_key_commitment(public_key)) == keys["commitment"]

    shown = _run("pubkey", "--key", str(key_file))
    assert shown.returncode == 0, shown.stderr
    assert _fields(shown.stdout) == keys

    signed = _run("sign", "--key", str(key_file), "--digest", DIGEST)
    assert signed.returncode == 0, signed.stderr
    signature = bytes.fromhex(signed.stdout.strip().removeprefix("0x"))
    assert len(signature) == 1524 and signature[627:] == public_key
    assert falcon_verify.verify(signature, word_from_hex(DIGEST))

    again = _run("keygen", "--out", str(key_file))
    assert again.returncode == 1 and "refusing" in again.stderr
    assert key_file.read_text() == content


def test_sign_with_prefixed_key_file_reproduces_upstream(tmp_path: Path) -> None:
    key_file = tmp_path / "seed0.key"
    key_file.write_text("0x" + SEED0_KEY.read_text().strip() + "\n")
    signed = _run("sign", "--key", str(key_file), "--digest", DIGEST)
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout.strip() == _falcon_vector()["signature_hex"]


def closed_port_url() -> str:
    """A loopback URL nothing listens on: the login cannot connect."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("sign", "--key", "KEY", "--digest", "0x1234"), 1),
        (("sign", "--key", "KEY", "--digest", "0x" + "01000000ffffffff" + "00" * 24), 1),
        (("pubkey", "--key", "MISSING"), 1),
        (("pubkey", "--key", "GARBAGE"), 1),
        (("login", "--url", "CLOSED", "--key", "KEY"), 1),
        (("login", "--url", "not-a-url", "--key", "KEY"), 1),
        (("login", "--url", "CLOSED", "--key", "MISSING"), 1),
        ((), 2),
        (("keygen",), 2),
    ],
)
def test_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], status: int
) -> None:
    """Error paths, run in-process (the subprocess tests above cover the console script itself)."""
    (tmp_path / "KEY").write_text(SEED0_KEY.read_text())
    (tmp_path / "GARBAGE").write_text("00" * 1281)
    paths = {name: str(tmp_path / name) for name in ("KEY", "MISSING", "GARBAGE")}
    paths["CLOSED"] = closed_port_url()
    code: int | str | None
    try:
        code = operator_cli.main([paths.get(arg, arg) for arg in args])
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    assert code == status
    assert captured.out == ""
    assert captured.err


@pytest.mark.slow
def test_login_against_a_real_gateway(
    module_services: ServiceStarter, run_database_url: str, tmp_path: Path
) -> None:
    operator = operators()[0]
    allowlist = tmp_path / "operators.json"
    write_allowlist(allowlist, [(operator, ["dashboard:read"])])
    fleet = start_fleet(
        module_services,
        database_url=run_database_url,
        allowlist=allowlist,
        coordinators=1,
        auth=1,
        gateways=1,
    )
    key_file = tmp_path / "operator.key"
    key_file.write_text(operator.secret_key.to_bytes().hex() + "\n")
    logged_in = _run("login", "--url", fleet.gateway_url(0), "--key", str(key_file))
    assert logged_in.returncode == 0, logged_in.stderr
    cookie, operator_line, expires_line = logged_in.stdout.splitlines()
    assert cookie.startswith("guardian_operator_session=") and len(cookie.split("=", 1)[1]) == 64
    assert operator_line == f"operator_id: {operator.commitment}" and expires_line.startswith("expires_at: ")
    session = httpx.get(f"{fleet.gateway_url(0)}/dashboard/session", headers={"cookie": cookie})
    assert session.json() == {"operator_id": operator.commitment, "permissions": ["dashboard:read"]}

    stranger = tmp_path / "stranger.key"
    stranger.write_text(operators()[2].secret_key.to_bytes().hex() + "\n")
    refused = _run("login", "--url", fleet.gateway_url(0), "--key", str(stranger))
    assert refused.returncode == 1 and "authentication_failed" in refused.stderr
