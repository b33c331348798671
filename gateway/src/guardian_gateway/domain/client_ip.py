"""Which IP a request counts against (docs/contracts/ops.md §1.3).

Forwarding headers are trusted whenever present; safety rests on the topology (only the load balancer
reaches the gateway, and it appends the caller's address to X-Forwarded-For).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

UNKNOWN = "unknown"


def parse_ip(text: str) -> str | None:
    """The canonical text of a bare IPv4/IPv6 address (no port, no zone), or None."""
    candidate = text.strip()
    if not candidate or "%" in candidate:
        return None
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def client_ip(forwarded_for: Sequence[str], real_ip: Sequence[str], peer: str | None) -> str:
    """The rightmost entry of the last X-Forwarded-For header if it is an IP; otherwise the first
    X-Real-IP header if it is an IP; otherwise the TCP peer; otherwise `unknown`."""
    if forwarded_for:
        found = parse_ip(forwarded_for[-1].rsplit(",", 1)[-1])
        if found:
            return found
    if real_ip:
        found = parse_ip(real_ip[0])
        if found:
            return found
    if peer:
        return parse_ip(peer) or peer
    return UNKNOWN
