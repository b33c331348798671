"""What keeps the console safe by construction (docs/console.md, "Security"): the headers of every console
answer and the Origin check of every state change.

Pages carry a Content-Security-Policy that allows scripts, styles, images and fetches from this origin only
(no inline script or style, no framing), so markup injected into a page could run nothing. State changes are
POSTs whose Origin must be this gateway's own origin; the session cookie is SameSite=Strict as well."""

from __future__ import annotations

from collections.abc import Mapping

from guardian_common.envelope import ErrorEnvelope

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    # Not no-referrer: under that policy a browser sends `Origin: null` with a form POST, which the Origin
    # check must refuse. same-origin keeps the page address from every other site.
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    # Pages show live custody data: never from a cache, never kept by a shared one.
    "cache-control": "no-store",
}


def same_origin(headers: Mapping[str, str], scheme: str) -> bool:
    """Whether the request's Origin is the origin the browser addressed (scheme and Host). A missing Origin
    is refused too: every browser sends one on a POST, so only a non-browser client omits it."""
    origin = headers.get("origin")
    host = headers.get("host")
    if not origin or not host:
        return False
    # Behind a TLS-terminating proxy the browser's scheme is https while ours is http; the Host decides.
    return (
        origin in {f"{scheme}://{host}", f"https://{host}"}
        if scheme == "http"
        else origin == f"{scheme}://{host}"
    )


def require_same_origin(headers: Mapping[str, str], scheme: str) -> None:
    """403 authorization_failed for a cross-origin (or origin-less) state change."""
    if not same_origin(headers, scheme):
        raise ErrorEnvelope.of(
            "authorization_failed", "refused: a console action must come from a console page (Origin check)"
        )
