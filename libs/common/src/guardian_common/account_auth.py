"""The auth object of an account of the json network type: one method label with its cosigners' commitments,
`{"MidenFalconRpo"|"MidenEcdsa": {"cosigner_commitments": [...]}}`. The gateway parses it from requests; the
gateway and auth read it back from the stored account. One parser, so both agree on what a stored auth means.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from guardian_common.envelope import ErrorEnvelope

COMMITMENT = re.compile(r"0x[0-9a-f]{64}")
MAX_COSIGNERS = 256
# Auth method label -> the signature scheme of its cosigners.
SCHEMES = {"MidenFalconRpo": "falcon", "MidenEcdsa": "ecdsa"}
UNSUPPORTED_AUTH = frozenset({"EvmEcdsa"})


@dataclass(frozen=True)
class AccountAuth:
    method: str  # MidenFalconRpo | MidenEcdsa
    cosigners: tuple[str, ...]

    @property
    def scheme(self) -> str:
        return SCHEMES[self.method]

    def as_json(self) -> dict[str, Any]:
        """The re-serialised form (what configure signs and the coordinator stores)."""
        return {self.method: {"cosigner_commitments": list(self.cosigners)}}


def check_commitment(value: object, name: str) -> str:
    if not isinstance(value, str) or not COMMITMENT.fullmatch(value):
        raise ErrorEnvelope.of("invalid_input", f"{name} must be 0x followed by 64 lowercase hex digits")
    return value


def parse_auth(value: object) -> AccountAuth:
    """`{"MidenFalconRpo"|"MidenEcdsa": {"cosigner_commitments": [...]}}`: a non-empty list of distinct
    lowercase Word hex strings. `EvmEcdsa` → 400 unsupported_for_network."""
    if not isinstance(value, dict) or len(value) != 1:
        raise ErrorEnvelope.of("invalid_input", "auth must be an object with exactly one auth method")
    method, body = next(iter(value.items()))
    if method in UNSUPPORTED_AUTH:
        raise ErrorEnvelope.of("unsupported_for_network", "EVM accounts are not served by this API")
    if method not in SCHEMES:
        raise ErrorEnvelope.of("invalid_input", "auth method must be MidenFalconRpo or MidenEcdsa")
    cosigners = body.get("cosigner_commitments") if isinstance(body, dict) else None
    if not isinstance(cosigners, list) or not cosigners or len(cosigners) > MAX_COSIGNERS:
        raise ErrorEnvelope.of(
            "invalid_input", f"cosigner_commitments must be a list of 1 to {MAX_COSIGNERS} commitments"
        )
    checked = tuple(check_commitment(c, "every cosigner commitment") for c in cosigners)
    if len(set(checked)) != len(checked):
        raise ErrorEnvelope.of("invalid_input", "cosigner_commitments must not repeat a commitment")
    return AccountAuth(method, checked)


def stored_auth(auth_json: str) -> AccountAuth:
    """The auth of a stored account. An EVM account → 400 unsupported_for_network."""
    try:
        return parse_auth(json.loads(auth_json))
    except ErrorEnvelope as error:
        if error.code == "unsupported_for_network":
            raise
        raise ErrorEnvelope.of("internal_error") from None
    except ValueError:
        raise ErrorEnvelope.of("internal_error") from None
