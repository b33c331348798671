"""The operator allowlist: which Falcon public keys may log in, and with which permissions.

The document is a JSON array; each entry is either a bare public-key hex string (the legacy form,
granting `dashboard:read`) or `{"public_key": "<hex>", "permissions": [...]}`. One bad entry
rejects the whole document. Identity is the key's commitment (Poseidon2 over its coefficients).
"""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from guardian_crypto import falcon_codec
from guardian_crypto.errors import CryptoInputError
from guardian_crypto.falcon_verify import public_key_commitment
from guardian_crypto.field import word_to_hex

log = logging.getLogger(__name__)

KNOWN_PERMISSIONS = frozenset({"dashboard:read", "accounts:pause", "policies:write"})
LEGACY_PERMISSIONS = frozenset({"dashboard:read"})
PUBLIC_KEY_BYTES = 897


class AllowlistError(Exception):
    """The allowlist could not be loaded. Details go to logs, never to clients."""


@dataclass(frozen=True)
class Operator:
    operator_id: str
    commitment: str
    permissions: frozenset[str]


Allowlist = dict[str, Operator]


def _public_key_commitment(text: str, where: str) -> str:
    digits = text.strip()
    digits = digits[2:] if digits[:2] in ("0x", "0X") else digits
    if not digits:
        raise AllowlistError(f"{where}: empty public key")
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        raise AllowlistError(f"{where}: public key is not even-length hex") from None
    if len(raw) < PUBLIC_KEY_BYTES:
        raise AllowlistError(f"{where}: public key has {len(raw)} bytes, expected {PUBLIC_KEY_BYTES}")
    try:
        falcon_codec.decode_public_key(raw[:PUBLIC_KEY_BYTES])
        return word_to_hex(public_key_commitment(raw[:PUBLIC_KEY_BYTES]))
    except CryptoInputError as exc:
        raise AllowlistError(f"{where}: not a Falcon-512 public key ({exc})") from None


def _permissions(value: object, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise AllowlistError(f"{where}: permissions must be an array of strings")
    unknown = sorted(set(value) - KNOWN_PERMISSIONS)
    if unknown:
        raise AllowlistError(f"{where}: unknown permission(s) {unknown}")
    return frozenset(value)


def parse_allowlist(text: str) -> Allowlist:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise AllowlistError(f"not valid JSON: {exc}") from None
    if not isinstance(document, list):
        raise AllowlistError("the document must be a JSON array")
    operators: Allowlist = {}
    for index, entry in enumerate(document):
        where = f"entry {index}"
        if isinstance(entry, str):
            commitment, permissions = _public_key_commitment(entry, where), LEGACY_PERMISSIONS
        elif isinstance(entry, dict):
            if set(entry) != {"public_key", "permissions"}:
                raise AllowlistError(f"{where}: an object needs exactly the keys public_key and permissions")
            if not isinstance(entry["public_key"], str):
                raise AllowlistError(f"{where}: public_key must be a string")
            commitment = _public_key_commitment(entry["public_key"], where)
            permissions = _permissions(entry["permissions"], where)
        else:
            raise AllowlistError(f"{where}: must be a string or an object")
        if commitment in operators:
            raise AllowlistError(f"{where}: duplicate operator {commitment}")
        operators[commitment] = Operator(commitment, commitment, permissions)
    return operators


class AllowlistSource(Protocol):
    def current(self) -> Allowlist:
        """The live allowlist; raises AllowlistError when it cannot be loaded (fail closed)."""
        ...


class StaticAllowlist:
    def __init__(self, operators: Allowlist | None = None) -> None:
        self._operators = operators or {}

    def current(self) -> Allowlist:
        return self._operators


class FileAllowlist:
    """Re-checked on every call; re-read and re-parsed only when the file changed on disk.

    A failed reload raises (the request fails closed) and keeps nothing half-loaded: the next call
    tries again from scratch.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._signature: tuple[int, int, int, int] | None = None
        self._operators: Allowlist = {}

    def current(self) -> Allowlist:
        try:
            info = os.stat(self._path)
        except OSError as exc:
            self._signature = None
            raise AllowlistError(f"{self._path}: cannot stat ({exc.strerror})") from None
        if info.st_mode & stat.S_IWOTH:
            self._signature = None
            raise AllowlistError(f"{self._path}: world-writable allowlist refused (chmod o-w)")
        signature = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        if signature == self._signature:
            return self._operators
        try:
            text = self._path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._signature = None
            raise AllowlistError(f"{self._path}: cannot read ({exc})") from None
        try:
            operators = parse_allowlist(text)
        except AllowlistError as exc:
            self._signature = None
            raise AllowlistError(f"{self._path}: {exc}") from None
        self._operators, self._signature = operators, signature
        log.info("operator allowlist loaded: %d operator(s)", len(operators))
        return operators
