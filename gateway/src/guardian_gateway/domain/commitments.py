"""The json network's commitments the gateway computes, as module-level functions of plain data so they can
run in an offload worker process (guardian_common.offload)."""

from __future__ import annotations

from typing import Any

from guardian_network import JsonNetwork

NETWORK = JsonNetwork()


def state_commitment(state: dict[str, Any]) -> str:
    """Raises guardian_network.InvalidDelta for a state without a canonical form."""
    return NETWORK.commitment(state)


def check_payload_shape(payload: dict[str, Any]) -> None:
    """Whether a json payload applies depends on its shape alone (a canonical state plus a canonical object
    patch is always a canonical object), so the shape is checked before authentication without hashing the
    patch: the same rule runs on a stand-in whose object patch is empty. Raises InvalidDelta."""
    NETWORK.apply({}, {key: {} if isinstance(value, dict) else value for key, value in payload.items()})
