"""GET /pubkey?scheme=: the server's acknowledgement key for a signature scheme, in one call to auth.

The reference holds a Falcon and an ECDSA ack key and picks Falcon unless `scheme=ecdsa`. Ours acknowledges
with ECDSA only (docs/client-api.md, differences), so the ECDSA key is the default, `falcon` is refused with
a message that names the scheme we do offer, and any other value is refused as unknown: a client asking for
a key it could never be acknowledged with learns so before its first push."""

from __future__ import annotations

from dataclasses import dataclass

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.state import GatewayState

ECDSA = "ecdsa"
FALCON = "falcon"


@dataclass(frozen=True)
class AckKey:
    scheme: str
    commitment: str
    public_key: str


def ack_scheme(raw: str | None) -> str:
    """The requested scheme, case-insensitive as in the reference; absent or empty means ECDSA."""
    scheme = (raw or ECDSA).strip().lower()
    if scheme == FALCON:
        raise ErrorEnvelope.of(
            "invalid_input", "this server acknowledges with ECDSA only: ask GET /pubkey?scheme=ecdsa"
        )
    if scheme != ECDSA:
        raise ErrorEnvelope.of("invalid_input", "query parameter 'scheme' must be 'ecdsa' or 'falcon'")
    return scheme


async def ack_key(state: GatewayState, raw_scheme: str | None) -> AckKey:
    scheme = ack_scheme(raw_scheme)
    key = await state.auth.ack_key(scheme)
    if key.scheme and key.scheme != scheme:
        # Auth answering another scheme's key would have clients trust the wrong key: fail closed.
        raise ErrorEnvelope.of("configuration_error")
    return AckKey(scheme, key.commitment, key.public_key)
