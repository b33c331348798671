"""GET /pubkey?scheme=: the server's acknowledgement key for a signature scheme, in one call to auth.

Like the reference, the server holds an ECDSA and a Falcon ack key, and the answer's shape follows it: ECDSA
gives `{commitment, pubkey}`, Falcon the commitment only (the full key comes with every Falcon ack, inside the
signature and as `ack_pubkey`). Two deliberate differences (docs/client-api.md): without `scheme` the ECDSA key
is answered (the reference picks Falcon), because clients of this server have always read the ECDSA key from
the bare route; and an unknown value is refused rather than read as Falcon, so a typo cannot hand a client the
key of a scheme it did not ask for."""

from __future__ import annotations

from dataclasses import dataclass

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.api.state import GatewayState

ECDSA = "ecdsa"
FALCON = "falcon"
SCHEMES = (ECDSA, FALCON)


@dataclass(frozen=True)
class AckKey:
    scheme: str
    commitment: str
    public_key: str

    def as_json(self) -> dict[str, str]:
        """The body of GET /pubkey: the ECDSA key with its commitment, Falcon's commitment alone."""
        if self.scheme == FALCON:
            return {"commitment": self.commitment}
        return {"commitment": self.commitment, "pubkey": self.public_key}


def ack_scheme(raw: str | None) -> str:
    """The requested scheme, case-insensitive as in the reference; absent or empty means ECDSA."""
    scheme = (raw or ECDSA).strip().lower()
    if scheme not in SCHEMES:
        raise ErrorEnvelope.of("invalid_input", "query parameter 'scheme' must be 'ecdsa' or 'falcon'")
    return scheme


async def ack_key(state: GatewayState, raw_scheme: str | None) -> AckKey:
    scheme = ack_scheme(raw_scheme)
    key = await state.auth.ack_key(scheme)
    if key.scheme != scheme or not key.commitment:
        # Auth answering another scheme's key (or an auth from before Falcon acks, which answers ECDSA to every
        # request) would have clients trust the wrong key: fail closed.
        raise ErrorEnvelope.of("configuration_error")
    return AckKey(scheme, key.commitment, key.public_key)
