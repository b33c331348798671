"""An async client for the devnet's HTTP control API (tests, the benchmark, local demos).

Uses only the standard library (calls run in a worker thread), so the devnet needs no HTTP client.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any


class DevnetControl:
    def __init__(self, base_url: str, timeout_seconds: float = 10.0) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = timeout_seconds

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self._base + path, data=data, method=method, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self._timeout) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return await asyncio.to_thread(self._request, method, path, body)

    async def land(self, account_id: str, commitment: str) -> None:
        """A transaction landed: the account's on-chain commitment becomes `commitment`."""
        await self._call("PUT", f"/accounts/{account_id}/commitment", {"commitment": commitment})

    async def remove(self, account_id: str) -> None:
        await self._call("DELETE", f"/accounts/{account_id}")

    async def fault(self, mode: str, count: int = 1, seconds: float = 0.0) -> dict[str, Any]:
        """`unavailable` | `hang` (for `seconds`) | `lag` for the next `count` calls; `none` clears all."""
        result: dict[str, Any] = await self._call(
            "POST", "/faults", {"mode": mode, "count": count, "seconds": seconds}
        )
        return result

    async def calls(self, account_id: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        query = f"?since={since}" + (f"&account_id={account_id}" if account_id else "")
        result = await self._call("GET", f"/calls{query}")
        calls: list[dict[str, Any]] = result["calls"]
        return calls
