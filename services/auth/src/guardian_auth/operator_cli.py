"""``guardian-operator``: developer CLI for operator Falcon keys.

    guardian-operator keygen --out FILE                 new key in FILE (mode 0600); prints key and commitment
    guardian-operator pubkey --key FILE                 prints the public key and commitment of a key file
    guardian-operator sign --key FILE --digest 0x...    prints the 1524-byte signature as 0x-hex
    guardian-operator login --url URL --key FILE        logs in to a gateway; prints the session cookie

A key file holds the 1281-byte Miden Falcon secret key as hex on one line (``0x`` accepted): the bytes the
Miden SDK's ``AuthSecretKey.serialize()`` produces after its leading scheme byte. Exit status: 0 on success,
1 for unusable input (bad key file or digest) or a failed login, 2 for usage errors. The login is
guardian_client's (the one operator-login implementation).
"""

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from guardian_client import (
    GuardianClientError,
    LoginClient,
    OperatorKey,
    OperatorSession,
    read_falcon_key_file,
)
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.falcon_sign import SecretKey
from guardian_crypto.field import word_from_hex, word_to_hex


class CliError(Exception):
    """A message for stderr and exit status 1."""


def write_key_file(path: Path, key: SecretKey) -> None:
    """Create ``path`` with mode 0600 holding the key hex; an existing file is never overwritten."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise CliError(f"{path} already exists; refusing to overwrite a key") from exc
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(key.to_bytes().hex() + "\n")


def read_key_file(path: Path) -> SecretKey:
    try:
        return read_falcon_key_file(path)
    except GuardianClientError as exc:
        raise CliError(str(exc)) from exc


def _print_key(key: SecretKey) -> None:
    print(f"public_key: 0x{key.public_key().hex()}")
    print(f"commitment: {word_to_hex(key.commitment())}")


def _keygen(args: argparse.Namespace) -> None:
    key = SecretKey.generate()
    write_key_file(args.out, key)
    _print_key(key)


def _pubkey(args: argparse.Namespace) -> None:
    _print_key(read_key_file(args.key))


def _sign(args: argparse.Namespace) -> None:
    try:
        digest = word_from_hex(args.digest)
    except CryptoInputError as exc:
        raise CliError(f"--digest is not a Word hex string: {exc}") from exc
    print("0x" + read_key_file(args.key).sign(digest).hex())


async def _log_in(url: str, key: OperatorKey) -> OperatorSession:
    async with LoginClient(url) as client:
        return await client.operator_login(key)


def _login(args: argparse.Namespace) -> None:
    key = OperatorKey(read_key_file(args.key))
    try:
        session = asyncio.run(_log_in(args.url, key))
    except (GuardianClientError, ValueError) as exc:
        raise CliError(f"login to {args.url} failed: {exc}") from exc
    print(session.cookie)
    print(f"operator_id: {session.operator_id}")
    print(f"expires_at: {session.expires_at}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guardian-operator", description="Guardian operator key tool")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keygen = commands.add_parser("keygen", help="generate a Falcon-512 key and write it to a new file")
    keygen.add_argument("--out", type=Path, required=True, help="key file to create (mode 0600)")
    keygen.set_defaults(handler=_keygen)

    pubkey = commands.add_parser("pubkey", help="print the public key and commitment of a key file")
    pubkey.add_argument("--key", type=Path, required=True)
    pubkey.set_defaults(handler=_pubkey)

    sign = commands.add_parser("sign", help="sign a digest Word (e.g. a challenge's signing_digest)")
    sign.add_argument("--key", type=Path, required=True)
    sign.add_argument("--digest", required=True, help="Word hex: 0x + 64 hex digits")
    sign.set_defaults(handler=_sign)

    login = commands.add_parser(
        "login", help="log in to a gateway: challenge, sign, verify; print the cookie"
    )
    login.add_argument("--url", required=True, help="gateway base URL, e.g. http://127.0.0.1:8080")
    login.add_argument("--key", type=Path, required=True)
    login.set_defaults(handler=_login)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except CliError as exc:
        print(f"guardian-operator: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
