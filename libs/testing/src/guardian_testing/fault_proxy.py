"""A TCP proxy the tests own, to cut a service off from its database without touching the server.

It runs its own event loop in a thread, so sync and async tests use it alike. `cut()` drops every
open connection and refuses new ones until `restore()`. `stall()` keeps every connection open but stops
forwarding bytes (a network partition, a frozen proxy) until `restore()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from urllib.parse import parse_qs, urlsplit, urlunsplit


class FaultProxy:
    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        socket_dir = parse_qs(parts.query).get("host", [None])[0] or parts.hostname or "127.0.0.1"
        self._upstream_port = parts.port or 5432
        self._upstream_unix = (
            f"{socket_dir}/.s.PGSQL.{self._upstream_port}" if socket_dir.startswith("/") else None
        )
        self._upstream_host = socket_dir
        self._upstream_url = upstream_url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._cut = False
        self._flowing: asyncio.Event | None = None
        self.port = 0

    def start(self) -> FaultProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def url(self) -> str:
        """The upstream URL rewritten to go through this proxy over TCP."""
        parts = urlsplit(self._upstream_url)
        query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("host="))
        user = parts.username or "postgres"
        auth = f"{user}:{parts.password}@" if parts.password else f"{user}@"
        return urlunsplit((parts.scheme, f"{auth}127.0.0.1:{self.port}", parts.path, query, ""))

    def cut(self) -> None:
        asyncio.run_coroutine_threadsafe(self._set_cut(True), self._loop).result(10)

    def stall(self) -> None:
        asyncio.run_coroutine_threadsafe(self._set_flowing(False), self._loop).result(10)

    def restore(self) -> None:
        """Ends a cut or a stall."""
        asyncio.run_coroutine_threadsafe(self._set_cut(False), self._loop).result(10)
        asyncio.run_coroutine_threadsafe(self._set_flowing(True), self._loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _listen(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _set_cut(self, cut: bool) -> None:
        self._cut = cut
        if cut:
            for writer in list(self._writers):
                writer.transport.abort()
            self._writers.clear()

    async def _set_flowing(self, flowing: bool) -> None:
        assert self._flowing is not None
        if flowing:
            self._flowing.set()
        else:
            self._flowing.clear()

    async def _close(self) -> None:
        await self._set_cut(True)
        if self._server is not None:
            self._server.close()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self._cut:
            client_writer.transport.abort()
            return
        try:
            if self._upstream_unix:
                up_reader, up_writer = await asyncio.open_unix_connection(self._upstream_unix)
            else:
                up_reader, up_writer = await asyncio.open_connection(self._upstream_host, self._upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, up_writer))
        await asyncio.gather(
            self._pipe(client_reader, up_writer), self._pipe(up_reader, client_writer), return_exceptions=True
        )
        self._writers.difference_update((client_writer, up_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                assert self._flowing is not None
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        finally:
            with contextlib.suppress(Exception):
                writer.transport.abort()
