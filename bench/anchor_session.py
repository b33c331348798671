"""The one-process anchor of the session check (issue 13): FastAPI + psycopg doing what GET /evm/session does
end to end, in one process: read the `guardian_evm_session` cookie, SHA-256 it, and read the live session row
by its primary key from the same `auth_sessions` table of the same database. Served as the gateway is
(uvicorn, uvloop, httptools, one process).

    python bench/anchor_session.py ADDR DATABASE_URL [POOL_SIZE]
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
import uvicorn
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse

COOKIE = "guardian_evm_session"
LOOKUP = (
    "SELECT subject FROM auth_sessions WHERE realm = 'evm' AND token_digest = %s "
    "AND revoked_at IS NULL AND expires_at > now()"
)


class Pool:
    """A fixed set of connections handed out through a queue (the gateway's stack pools too)."""

    def __init__(self, url: str, size: int) -> None:
        self._url, self._size = url, size
        self._idle: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()

    async def open(self) -> None:
        for _ in range(self._size):
            self._idle.put_nowait(await psycopg.AsyncConnection.connect(self._url, autocommit=True))

    async def lookup(self, digest: bytes) -> object | None:
        conn = await self._idle.get()
        try:
            cursor = await conn.execute(LOOKUP, (digest,), prepare=True)
            row = await cursor.fetchone()
        finally:
            self._idle.put_nowait(conn)
        return None if row is None else row[0]


def build(url: str, size: int) -> FastAPI:
    pool = Pool(url, size)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await pool.open()
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/evm/session")
    async def session(request: Request) -> JSONResponse:
        token = request.cookies.get(COOKIE)
        if not token:
            return JSONResponse({"code": "authentication_failed"}, status_code=401)
        subject = await pool.lookup(hashlib.sha256(token.encode("ascii")).digest())
        if not isinstance(subject, dict):
            return JSONResponse({"code": "authentication_failed"}, status_code=401)
        return JSONResponse({"address": subject.get("address")})

    return app


def main() -> None:
    address, url = sys.argv[1], sys.argv[2]
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    host, port = address.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, int(port)))
    print(f"anchor listening http={host}:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        build(url, size), log_level="warning", access_log=False, loop="uvloop", http="httptools"
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
