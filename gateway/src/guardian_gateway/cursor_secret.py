"""The pagination cursor HMAC key (GUARDIAN_DASHBOARD_CURSOR_SECRET)."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from guardian_common.errors import ConfigurationError

KEY_BYTES = 32

MISSING = (
    "GUARDIAN_DASHBOARD_CURSOR_SECRET is not set: this gateway signs pagination cursors with a random "
    "per-process key, so a cursor minted by one replica (or before a restart) is rejected by another. Set "
    "the same 64-hex-character value (for example `openssl rand -hex 32`) on every gateway replica."
)


@dataclass(frozen=True)
class CursorKey:
    key: bytes
    configured: bool = False

    @property
    def state(self) -> str:
        """The value of `cursor_secret=` in the coordination line."""
        return "configured" if self.configured else "ephemeral"


def parse_cursor_secret(raw: str | None) -> CursorKey:
    """Unset: an ephemeral random key. Set: exactly 32 bytes as 64 hex characters, optional `0x`, trimmed;
    anything else refuses startup in every stage (the value itself is never echoed)."""
    if raw is None:
        return CursorKey(secrets.token_bytes(KEY_BYTES), configured=False)
    text = raw.strip().removeprefix("0x")
    if len(text) != 2 * KEY_BYTES or any(c not in string.hexdigits for c in text):
        raise ConfigurationError(
            f"GUARDIAN_DASHBOARD_CURSOR_SECRET is malformed ({len(text)} characters after trimming and an "
            f"optional 0x; it must be exactly {2 * KEY_BYTES} hex characters, i.e. {KEY_BYTES} bytes). "
            "Pagination cursors could not be verified across replicas. Generate one with "
            "`openssl rand -hex 32` and set the same value on every gateway replica."
        )
    return CursorKey(bytes.fromhex(text), configured=True)
