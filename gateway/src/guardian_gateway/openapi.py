"""The OpenAPI document, as served at /openapi.json. `python -m guardian_gateway.openapi PATH` writes it
(the committed copy is docs/openapi.json; a test fails when it drifts)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from guardian_common.grpc_client import internal_channel
from guardian_gateway.app import create_app
from guardian_gateway.clients.auth import AuthClient
from guardian_gateway.clients.coordinator import CoordinatorClient
from guardian_gateway.config import GatewaySettings
from guardian_gateway.runtime import resolve_runtime

UNUSED_TARGET = "127.0.0.1:1"


async def document() -> dict[str, Any]:
    """Built from an app whose clients never connect: the document depends on the routes only."""
    runtime = resolve_runtime(GatewaySettings.model_construct(), environ={})
    auth = AuthClient(internal_channel(UNUSED_TARGET, None), 1.0, 1.0)
    coordinator = CoordinatorClient(internal_channel(UNUSED_TARGET, None), 1.0, 1.0)
    try:
        return create_app(runtime, auth, coordinator).openapi()
    finally:
        await auth.close()
        await coordinator.close()


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2) + "\n"


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python -m guardian_gateway.openapi PATH")
    Path(sys.argv[1]).write_text(render(asyncio.run(document())))


if __name__ == "__main__":
    main()
