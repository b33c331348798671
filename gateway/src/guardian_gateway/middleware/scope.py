"""Reading an ASGI HTTP scope."""

from __future__ import annotations

from starlette.types import Scope


def header_values(scope: Scope, name: bytes) -> list[str]:
    """All values of a header, in order (`name` lowercase)."""
    return [value.decode("latin-1") for key, value in scope["headers"] if key == name]


def raw_path(scope: Scope) -> str:
    """The path as the client sent it (still percent-encoded), without the query string."""
    raw: bytes | None = scope.get("raw_path")
    if raw is None:
        return str(scope["path"])
    return raw.partition(b"?")[0].decode("latin-1")


def peer_host(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None
