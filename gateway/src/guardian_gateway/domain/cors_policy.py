"""CORS (docs/contracts/auth.md §1.5): an explicit origin allowlist with credentials, or any origin without them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from guardian_common.errors import ConfigurationError

ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s?#]+")
EXPOSED = "retry-after"
STRICT_METHODS = "GET,POST,PUT,DELETE,OPTIONS"
STRICT_HEADERS = "content-type,authorization,x-pubkey,x-signature,x-timestamp,x-auth-format"

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class CorsPolicy:
    """`allowed_origins` None means any origin, never with credentials (browser cookies do not flow)."""

    allowed_origins: frozenset[str] | None

    @classmethod
    def parse(cls, raw: str | None) -> CorsPolicy:
        origins = [item.strip() for item in (raw or "").split(",") if item.strip()]
        if not origins:
            return cls(None)
        for origin in origins:
            if origin == "*":
                raise ConfigurationError(
                    "GUARDIAN_CORS_ALLOWED_ORIGINS contains '*': credentialed CORS needs explicit origins. "
                    "List them (https://app.example.com,https://admin.example.com) or unset the variable "
                    "to allow any origin without cookies."
                )
            if ORIGIN.fullmatch(origin) is None:
                raise ConfigurationError(
                    f"GUARDIAN_CORS_ALLOWED_ORIGINS contains {origin!r}, which is not an origin: browsers "
                    "send SCHEME://HOST[:PORT] with no path or trailing slash, so it would never match. "
                    "Write it as, for example, https://app.example.com."
                )
        return cls(frozenset(origins))

    @property
    def credentials(self) -> bool:
        return self.allowed_origins is not None

    def _allows(self, origin: str | None) -> bool:
        return self.allowed_origins is None or (origin is not None and origin in self.allowed_origins)

    def response_headers(self, origin: str | None) -> Headers:
        """Headers for an actual (non-preflight) response."""
        if self.allowed_origins is None:
            return [("access-control-allow-origin", "*"), ("access-control-expose-headers", EXPOSED)]
        headers: Headers = [("vary", "origin")]
        if origin is not None and self._allows(origin):
            headers += [
                ("access-control-allow-origin", origin),
                ("access-control-allow-credentials", "true"),
                ("access-control-expose-headers", EXPOSED),
            ]
        return headers

    def preflight_headers(self, origin: str) -> Headers:
        if self.allowed_origins is None:
            return [
                ("access-control-allow-origin", "*"),
                ("access-control-allow-methods", "*"),
                ("access-control-allow-headers", "*"),
            ]
        headers: Headers = [("vary", "origin, access-control-request-method, access-control-request-headers")]
        if self._allows(origin):
            headers += [
                ("access-control-allow-origin", origin),
                ("access-control-allow-credentials", "true"),
                ("access-control-allow-methods", STRICT_METHODS),
                ("access-control-allow-headers", STRICT_HEADERS),
            ]
        return headers
