"""Runs the ``guardian-operator`` console script as a subprocess."""

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from guardian_auth import operator_cli
from guardian_crypto import falcon_verify
from guardian_crypto.field import word_from_hex, word_to_hex

SEED0_KEY = (
    Path(__file__).resolve().parents[3] / "libs" / "crypto" / "tests" / "data" / "seed0_secret_key.hex"
)
DIGEST = "0x6400000000000000610000000000000074000000000000006100000000000000"


def _command() -> list[str]:
    script = Path(sys.executable).with_name("guardian-operator")
    return [str(script)] if script.exists() else [sys.executable, "-m", "guardian_auth.operator_cli"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_command(), *args], capture_output=True, text=True, timeout=120, check=False)


def _fields(stdout: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in stdout.strip().splitlines())


def _falcon_vector() -> dict[str, str]:
    for directory in Path(__file__).resolve().parents:
        if (directory / "uv.lock").is_file():
            path = directory.parent / "shared" / "vectors" / "falcon512_poseidon2_vectors.json"
            vector: dict[str, str] = json.loads(path.read_text())["deterministic_signature_vector"]
            return vector
    raise RuntimeError("repository root not found")


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


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("sign", "--key", "KEY", "--digest", "0x1234"), 1),
        (("sign", "--key", "KEY", "--digest", "0x" + "01000000ffffffff" + "00" * 24), 1),
        (("pubkey", "--key", "MISSING"), 1),
        (("pubkey", "--key", "GARBAGE"), 1),
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
    code: int | str | None
    try:
        code = operator_cli.main([paths.get(arg, arg) for arg in args])
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    assert code == status
    assert captured.out == ""
    assert captured.err
