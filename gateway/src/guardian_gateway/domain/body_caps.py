"""Request body caps sized to the route (docs/gateway.md, "Body limits").

Only `POST /configure` and `POST /delta` carry a state or a patch (JSON of at most 1 MiB, the coordinator's
own limit) plus the envelope around it (account id, auth and cosigner list, nonce, commitments): their cap is
GUARDIAN_MAX_REQUEST_BYTES. Every other route (logins, logouts, pause/unpause with a reason of at most 512
characters, abandon, GETs, unknown paths) gets GUARDIAN_MAX_SMALL_REQUEST_BYTES: an operator verify body is
about 3.2 KB, the rest far less.
"""

from __future__ import annotations

from dataclasses import dataclass

# `POST /evm/proposals` carries a proposal's payload (a UserOperation with its call data, at most 1 MiB).
PAYLOAD_ROUTES = frozenset({("POST", "/configure"), ("POST", "/delta"), ("POST", "/evm/proposals")})
DEFAULT_PAYLOAD_BYTES = 1_048_576 + 65_536
DEFAULT_SMALL_BYTES = 8_192


@dataclass(frozen=True)
class BodyCaps:
    payload_bytes: int = DEFAULT_PAYLOAD_BYTES
    small_bytes: int = DEFAULT_SMALL_BYTES

    def for_route(self, method: str, template: str) -> int:
        return self.payload_bytes if (method, template) in PAYLOAD_ROUTES else self.small_bytes
