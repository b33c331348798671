"""Rendering: the Jinja2 environment (autoescaping every page), the static files, and the route class that
gives every console answer its security headers and turns an error into a page.

An unauthenticated GET is sent to the login page; any other refusal is a page carrying the API's own error
(HTTP status, stable code, message), so the console and the JSON API never disagree on why."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from importlib import resources
from typing import Any

from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.console.security import HEADERS

TEMPLATES = Environment(
    loader=PackageLoader("guardian_gateway.console", "templates"),
    autoescape=select_autoescape(["html"]),
)
_MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def _load_static() -> dict[str, tuple[bytes, str]]:
    """The whole (small) static folder, read once: a request can only name one of these files."""
    files: dict[str, tuple[bytes, str]] = {}
    for entry in resources.files("guardian_gateway.console").joinpath("static").iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in _MEDIA:
            files[entry.name] = (entry.read_bytes(), _MEDIA[suffix])
    return files


STATIC = _load_static()


def static_file(name: str) -> Response:
    found = STATIC.get(name)
    if found is None:
        raise ErrorEnvelope.of("not_found")
    body, media = found
    return Response(body, media_type=media, headers={"cache-control": "no-cache"})


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("operator", None)
    html = TEMPLATES.get_template(template).render(path=request.url.path, **context)
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, error: ErrorEnvelope) -> Response:
    if error.code == "authentication_failed" and request.method == "GET":
        return RedirectResponse("/console/login", status_code=303)
    return page(
        request,
        "error.html",
        status=error.http_status,
        title=f"{error.http_status} {error.code}",
        error=error.body(),
        status_code=error.http_status,
    )


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await inner(request)
            except ErrorEnvelope as error:
                response = error_page(request, error)
            for name, value in HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return handler
