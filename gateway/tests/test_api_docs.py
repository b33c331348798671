"""`GET /docs`: the HTTP API rendered on the server from the OpenAPI document, non-prod only."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from guardian_gateway.api.api_docs import render

if TYPE_CHECKING:
    from .conftest import GatewayFactory


async def test_docs_page_lists_every_route_of_the_openapi_document(make_gateway: GatewayFactory) -> None:
    async with make_gateway() as client:
        page, document = await client.get("/docs"), (await client.get("/openapi.json")).json()
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    shown = set(re.findall(r'<section id="(\w+)(/[^"]*)"', page.text))
    expected = {(method, path) for path, item in document["paths"].items() for method in item}
    assert shown == expected
    # Works offline and under a strict policy: no script, nothing fetched from elsewhere.
    assert "<script" not in page.text and "https://" not in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    assert page.headers["content-security-policy"].startswith("default-src 'none'")


async def test_docs_page_is_not_served_in_prod(make_gateway: GatewayFactory) -> None:
    async with make_gateway(env={"GUARDIAN_ENV": "prod", "GUARDIAN_MAX_REPLICAS": "1"}) as client:
        response = await client.get("/docs")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_render_escapes_text_and_inlines_body_schemas() -> None:
    document = {
        "info": {"title": "T <b>", "version": "1"},
        "paths": {
            "/x": {
                "post": {
                    "tags": ["t"],
                    "summary": "<script>alert(1)</script>",
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Body"}}}
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        "components": {"schemas": {"Body": {"type": "object", "properties": {"n": {"type": "integer"}}}}},
    }
    page = render(document)
    assert "<script>" not in page and "&lt;script&gt;" in page and "T &lt;b&gt;" in page
    assert "&quot;integer&quot;" in page  # the referenced schema is shown, not just its name
