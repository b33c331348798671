"""Account identifiers and network config of the json network type (the auth object is guardian_common.account_auth)."""

from __future__ import annotations

import re
from typing import Any

from guardian_common.envelope import ErrorEnvelope

ACCOUNT_ID = re.compile(r"0x[0-9a-f]{30}")
MIDEN_NETWORKS = frozenset({"local", "devnet", "testnet"})


def check_account_id(value: object, name: str = "account_id") -> str:
    if not isinstance(value, str) or not ACCOUNT_ID.fullmatch(value):
        raise ErrorEnvelope.of("invalid_input", f"{name} must be 0x followed by 30 lowercase hex digits")
    return value


def parse_network_config(value: object) -> dict[str, Any]:
    """`{"kind": "json"}` or `{"kind": "miden", "network_type": "local|devnet|testnet"}` (re-serialised);
    `{"kind": "evm", ...}` → 400 unsupported_for_network; anything else → 400 invalid_network_config."""
    if isinstance(value, dict) and value.get("kind") == "evm":
        raise ErrorEnvelope.of("unsupported_for_network", "EVM accounts are not served by this API")
    if value == {"kind": "json"}:
        return {"kind": "json"}
    if (
        isinstance(value, dict)
        and set(value) == {"kind", "network_type"}
        and value["kind"] == "miden"
        and value["network_type"] in MIDEN_NETWORKS
    ):
        return {"kind": "miden", "network_type": value["network_type"]}
    raise ErrorEnvelope.of("invalid_network_config")
