"""The general `json` network type.

An account state is a JSON object. Its commitment is the RPO256 Word of the state's canonical JSON
(sorted keys, compact, serde_json escaping), packed into 8-byte little-endian elements: the same
packing and canonical form as the operator challenge digest. A delta payload is
`{"patch": <RFC 7396 JSON merge patch>}`.
"""

from __future__ import annotations

from typing import Any

from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.errors import CanonicalJsonError
from guardian_crypto.field import word_to_hex
from guardian_crypto.rpo import hash_bytes
from guardian_network.types import InvalidDelta, Transition


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge recursively, `null` deletes a member, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class JsonNetwork:
    name = "json"

    def commitment(self, state: dict[str, Any]) -> str:
        try:
            return word_to_hex(hash_bytes(canonical_json(state)))
        except CanonicalJsonError as exc:
            raise InvalidDelta(f"state has no canonical JSON form: {exc}") from None

    def apply(self, state: dict[str, Any], payload: dict[str, Any]) -> Transition:
        if not isinstance(payload, dict) or set(payload) != {"patch"}:
            raise InvalidDelta('a json delta payload is exactly {"patch": <JSON merge patch>}')
        new_state = merge_patch(state, payload["patch"])
        if not isinstance(new_state, dict):
            raise InvalidDelta("the patch must leave the state a JSON object")
        return Transition(new_state, self.commitment(new_state))
