"""The HTTP listen address: parsed from GUARDIAN_HTTP_ADDR and bound before the server starts, so the
startup line can name the real port even when the configured one is 0."""

from __future__ import annotations

import socket
from dataclasses import dataclass

BACKLOG = 2048


@dataclass(frozen=True)
class ListenAddress:
    host: str
    port: int

    def display(self, port: int | None = None) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port if port is None else port}"


def parse_listen_address(text: str) -> ListenAddress:
    """`host:port` or `[ipv6]:port`; port 0 picks a free port."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError("must be HOST:PORT, for example 0.0.0.0:8080 or [::]:8080")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError("an IPv6 host must be in brackets, for example [::]:8080")
    return ListenAddress(host, int(port))


def bind(address: ListenAddress) -> socket.socket:
    """A listening TCP socket; connections queue in its backlog until the server starts accepting."""
    family, kind, proto, _, sockaddr = socket.getaddrinfo(
        address.host, address.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    # proto must be IPPROTO_TCP, not 0: asyncio only disables Nagle on accepted connections whose socket
    # says TCP, and with Nagle on every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock
