"""`GET /docs`: the HTTP API as one readable page, rendered on the server from the gateway's own OpenAPI
document (the one served at `/openapi.json`).

No script and no asset from elsewhere: the page works on a machine without internet access and under a
Content-Security-Policy that allows no script at all. Served in the non-prod stage only, where people explore
the API; in prod the route answers 404 like any unknown path.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from guardian_common.envelope import ErrorEnvelope
from guardian_common.stage import Stage
from guardian_gateway.api.state import State

router = APIRouter()

METHODS = ("get", "post", "put", "patch", "delete")
# The page carries its own small stylesheet and nothing else.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
STYLE = """
body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h2{border-bottom:1px solid #d5d9e0;padding-bottom:.2rem;margin-top:2.2rem}
section{border:1px solid #e1e4ea;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0}
code,pre{font:13px ui-monospace,monospace}pre{background:#f5f6f8;padding:.5rem;overflow:auto}
.method{font-weight:700;text-transform:uppercase;margin-right:.5rem}
table{border-collapse:collapse}td,th{border:1px solid #e1e4ea;padding:.2rem .5rem;text-align:left}
"""


def _resolve(schema: Any, components: dict[str, Any], depth: int = 0) -> Any:
    """Inlines `$ref`s (bounded, so a recursive schema cannot loop) for a self-explaining body shape."""
    if depth > 6:
        return schema
    if isinstance(schema, dict):
        reference = schema.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/components/schemas/"):
            target = components.get(reference.rsplit("/", 1)[-1], {})
            return _resolve(target, components, depth + 1)
        return {key: _resolve(value, components, depth + 1) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_resolve(item, components, depth + 1) for item in schema]
    return schema


def _operation(method: str, path: str, operation: dict[str, Any], components: dict[str, Any]) -> str:
    parts = [
        f'<section id="{escape(method + path)}"><h3><span class="method">{escape(method)}</span>'
        f"<code>{escape(path)}</code></h3>"
    ]
    if operation.get("summary"):
        parts.append(f"<p><strong>{escape(operation['summary'])}</strong></p>")
    if operation.get("description"):
        parts.append(f"<p>{escape(operation['description'])}</p>")
    parameters = operation.get("parameters", [])
    if parameters:
        rows = "".join(
            f"<tr><td><code>{escape(p.get('name', ''))}</code></td><td>{escape(p.get('in', ''))}</td>"
            f"<td>{'yes' if p.get('required') else 'no'}</td>"
            f"<td>{escape(p.get('description', ''))}</td></tr>"
            for p in parameters
        )
        parts.append(
            "<table><tr><th>parameter</th><th>in</th><th>required</th><th>meaning</th></tr>"
            + rows
            + "</table>"
        )
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        shape = json.dumps(_resolve(body, components), indent=2, sort_keys=True)
        parts.append(f"<p>JSON body:</p><pre>{escape(shape)}</pre>")
    responses = operation.get("responses", {})
    if responses:
        rows = "".join(
            f"<tr><td>{escape(code)}</td><td>{escape(answer.get('description', ''))}</td></tr>"
            for code, answer in sorted(responses.items())
        )
        parts.append("<table><tr><th>status</th><th>meaning</th></tr>" + rows + "</table>")
    parts.append("</section>")
    return "".join(parts)


def render(document: dict[str, Any]) -> str:
    """The whole page for one OpenAPI document, grouped by tag in the document's order."""
    components = document.get("components", {}).get("schemas", {})
    groups: dict[str, list[str]] = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None:
                tag = (operation.get("tags") or ["other"])[0]
                groups.setdefault(tag, []).append(_operation(method, path, operation, components))
    info = document.get("info", {})
    contents = "".join(f'<li><a href="#tag-{escape(tag)}">{escape(tag)}</a></li>' for tag in groups)
    sections = "".join(
        f'<h2 id="tag-{escape(tag)}">{escape(tag)}</h2>' + "".join(operations)
        for tag, operations in groups.items()
    )
    title = escape(f"{info.get('title', 'API')} {info.get('version', '')}".strip())
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body><h1>{title}</h1>"
        f"<p>{escape(info.get('description', ''))}</p>"
        '<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Errors use one JSON envelope '
        "(<code>ErrorBody</code>): a stable <code>code</code>, a message and whether a retry may succeed.</p>"
        f"<nav><ul>{contents}</ul></nav>{sections}</body></html>"
    )


@router.get("/docs", include_in_schema=False, response_class=HTMLResponse)
async def api_docs(request: Request, state: State) -> HTMLResponse:
    if state.runtime.stage is Stage.PROD:
        raise ErrorEnvelope.of("not_found", "no such route")
    page = getattr(request.app.state, "api_docs_page", None)
    if page is None:  # rendered once per process: the document does not change while it runs
        page = render(request.app.openapi())
        request.app.state.api_docs_page = page
    return HTMLResponse(page, headers=SECURITY_HEADERS)
