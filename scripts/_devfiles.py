"""The files a local stack keeps under its run directory (.run/ for `make run`, .run/fleet/ for `make fleet`).

Each is created once and reused, never overwritten: secrets (internal token, cursor secret, the ECDSA and
Falcon ack keys) so restarts keep sessions, cursors and ack keys valid; a development operator key; and the operator
allowlist, which belongs to the user once it exists (`make allow-operator` / scripts/allow_operator.py
add keys to it, and auth reloads it on change).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from guardian_auth.domain.allowlist import KNOWN_PERMISSIONS, AllowlistError, parse_allowlist
from guardian_client import KeyFileError, read_falcon_key_file
from guardian_crypto import ecdsa
from guardian_crypto.falcon_sign import SecretKey
from scripts._supervisor import StartFailed

DEV_PERMISSIONS = ["dashboard:read", "accounts:pause"]
REPO = Path(__file__).resolve().parents[1]


def run_directory() -> Path:
    """Where local stacks keep their files: GUARDIAN_RUN_DIR, default .run/ in the repository."""
    return Path(os.environ.get("GUARDIAN_RUN_DIR") or REPO / ".run").resolve()


def create_private(path: Path, content: Callable[[], str]) -> bool:
    """Writes `content()` to `path` with mode 0600 unless the file exists. Returns whether it wrote."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(content() + "\n")
    return True


def secret_hex(path: Path) -> str:
    """A 32-byte random secret as hex, created on first use and reused after."""
    create_private(path, lambda: secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


def development_secrets(run_dir: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """The secrets services would otherwise warn about (and make up per process), made once under the
    run directory; whatever `environ` already sets wins. Not for the prod stage."""
    made: dict[str, Callable[[], str]] = {
        "GUARDIAN_INTERNAL_TOKEN": lambda: secret_hex(run_dir / "internal-token"),
        "GUARDIAN_DASHBOARD_CURSOR_SECRET": lambda: secret_hex(run_dir / "cursor-secret"),
        "GUARDIAN_ACK_ECDSA_KEY_FILE": lambda: str(ack_key_file(run_dir / "ack-ecdsa.key")),
        "GUARDIAN_ACK_FALCON_KEY_FILE": lambda: str(falcon_ack_key_file(run_dir / "ack-falcon.key")),
    }
    return {name: make() for name, make in made.items() if not environ.get(name)}


def ack_key_file(path: Path) -> Path:
    """A secp256k1 key for auth's acks (GUARDIAN_ACK_ECDSA_KEY_FILE), kept so acks verify across restarts."""
    create_private(path, lambda: ecdsa.new_secret().hex())
    return path


def falcon_ack_key_file(path: Path) -> Path:
    """A Falcon-512 key for the acks of MidenFalconRpo accounts (GUARDIAN_ACK_FALCON_KEY_FILE), in the format
    `guardian-operator keygen` writes; made once (a few seconds of key generation) and kept, so every auth
    replica of the stack shares it and acks verify across restarts."""
    if not path.exists():
        create_private(path, lambda: SecretKey.generate().to_bytes().hex())
    return path


def operator_key(path: Path) -> bool:
    """A Falcon operator key file in the format `guardian-operator keygen` writes (the secret key's bytes
    as hex on one line, mode 0600). Returns whether it is new."""
    if path.exists():
        return False
    return create_private(path, lambda: SecretKey.generate().to_bytes().hex())


def public_key_of(key_file: Path) -> str:
    """The public key of a key file; raises guardian_client.KeyFileError for an unusable file."""
    return "0x" + read_falcon_key_file(key_file).public_key().hex()


def commitment_of(public_key_hex: str) -> str:
    """The operator identity a public key logs in as (validates the key on the way)."""
    try:
        return _entry_commitment({"public_key": public_key_hex, "permissions": []})
    except AllowlistError as exc:
        reason = str(exc).removeprefix("entry 0: ")
        raise AllowlistError(f"not a usable operator public key: {reason}") from None


def allow(allowlist: Path, public_key_hex: str, permissions: Iterable[str]) -> str:
    """Adds the key to the allowlist (or replaces its permissions), keeping every other entry as it is.

    The file is replaced atomically with mode 0600, so auth never reads half of it. Returns the
    commitment. Raises AllowlistError for an unknown permission, a bad key or an unreadable file."""
    wanted = sorted(set(permissions))
    if not wanted:
        raise AllowlistError(f"name at least one permission: {sorted(KNOWN_PERMISSIONS)}")
    unknown = sorted(set(wanted) - KNOWN_PERMISSIONS)
    if unknown:
        raise AllowlistError(f"unknown permission(s) {unknown}; known: {sorted(KNOWN_PERMISSIONS)}")
    commitment = commitment_of(public_key_hex)
    entries: list[object] = []
    if allowlist.exists():
        text = allowlist.read_text(encoding="utf-8")
        try:
            parse_allowlist(text)
        except AllowlistError as exc:
            raise AllowlistError(f"{allowlist}: {exc}; fix the file first") from None
        entries = json.loads(text)
    kept = [entry for entry in entries if _entry_commitment(entry) != commitment]
    kept.append({"public_key": public_key_hex, "permissions": wanted})
    allowlist.parent.mkdir(parents=True, exist_ok=True)
    staging = allowlist.with_name(f".{allowlist.name}.tmp")
    staging.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
    staging.chmod(0o600)
    staging.replace(allowlist)
    return commitment


def _entry_commitment(entry: object) -> str:
    return next(iter(parse_allowlist(json.dumps([entry]))))


def development_allowlist(run_dir: Path) -> tuple[Path, Path, bool]:
    """The development operator key and an allowlist holding it: (key file, allowlist, key is new).

    The allowlist is created when absent and otherwise left as the user keeps it; only a newly made
    development key is added to it (so a deleted key file does not lock the developer out)."""
    key, allowlist = run_dir / "dev-operator.key", run_dir / "operators.json"
    created = operator_key(key)
    if allowlist.exists() and not created:
        # The user's file, used as it is: checked now so that a broken one stops the start with one line.
        try:
            parse_allowlist(allowlist.read_text(encoding="utf-8"))
        except (AllowlistError, OSError, UnicodeDecodeError) as exc:
            raise StartFailed(f"{allowlist}: {exc}; fix the file (or remove it to start afresh)") from None
    if created or not allowlist.exists():
        try:
            allow(allowlist, public_key_of(key), DEV_PERMISSIONS)
        except AllowlistError as exc:
            raise StartFailed(str(exc)) from None
        except KeyFileError as exc:
            raise StartFailed(f"{exc}; remove it and a new development key is made") from None
    return key, allowlist, created
