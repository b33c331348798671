"""HTTP plumbing shared by the custody and login clients: base URLs taken in turn, one attempt, and the
bounded retry loop.

What is retried (docs/python-client.md, "Retries"):
- an answer whose envelope says `retryable`, when the request is idempotent, or when its code is one the
  route documents as "refused before anything was written" (`unchanged_codes`);
- a connection that could not be established (the request never left), on any route;
- any other transport failure (a timeout or a cut connection after sending), on idempotent routes only;
- a 502, 503 or 504 without the error envelope (a load balancer's or proxy's own answer, for example while a
  gateway restarts), on idempotent routes only: the proxy may have forwarded a write before failing.
Everything else is raised at once. Each attempt builds its headers again, so a signed request carries a
fresh timestamp and signature every time (the server refuses a reused timestamp as a replay).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from guardian_client.errors import (
    ApiError,
    GuardianClientError,
    ProtocolError,
    TransportError,
    error_from_response,
)

T = TypeVar("T")
# What a load balancer or proxy answers by itself when no gateway took the request (or one went away).
PROXY_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry. `max_attempts` counts the first try (1 = never retry).

    The wait before retry n (n ≥ 1) is `min(max_delay, initial_delay * multiplier**(n-1))`, shortened by
    up to `jitter` of itself at random (so many clients do not retry in step). A server's `retry_after`
    hint is honoured as a minimum wait; a hint longer than `max_delay` is not waited for: the error is
    raised so the caller can decide.
    """

    max_attempts: int = 3
    initial_delay: float = 0.2
    max_delay: float = 2.0
    multiplier: float = 2.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts counts the first try and must be at least 1")
        if self.initial_delay < 0 or self.max_delay < 0:
            raise ValueError("RetryPolicy delays must be non-negative")
        if self.multiplier < 1:
            raise ValueError("RetryPolicy.multiplier must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("RetryPolicy.jitter is a fraction in [0, 1]")

    def delay(
        self, retry: int, retry_after: float | None, rng: Callable[[], float] = random.random
    ) -> float | None:
        """Seconds to wait before retry number `retry` (1-based); None: do not wait that long."""
        backoff = min(self.max_delay, self.initial_delay * self.multiplier ** (retry - 1))
        backoff *= 1 - self.jitter * rng()
        if retry_after is None:
            return backoff
        if retry_after > self.max_delay:
            return None
        return max(backoff, retry_after)


NO_RETRY = RetryPolicy(max_attempts=1)

# Raised before a connection exists: the request cannot have reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def _no_cookies() -> CookieJar:
    """A jar that keeps nothing: sessions are returned to the caller, never stored behind its back."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def base_url_list(base_urls: str | Sequence[str]) -> list[str]:
    urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
    if not urls:
        raise ValueError("at least one base URL is needed")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"a base URL starts with http:// or https://, got {url!r}")
    return [url.rstrip("/") for url in urls]


class Transport:
    """Base URLs in turn (one per attempt), an owned or borrowed httpx.AsyncClient, and retries."""

    def __init__(
        self,
        base_urls: str | Sequence[str],
        *,
        http: httpx.AsyncClient | None,
        timeout: float,
        retry: RetryPolicy,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.urls = base_url_list(base_urls)
        self.retry = retry
        self._owned = http is None
        self.http = http or httpx.AsyncClient(timeout=timeout, cookies=_no_cookies())
        self._turn = 0
        self.sleep = sleep

    def base_url(self, index: int | None = None) -> str:
        """`urls[index % n]`, or the next one in turn when `index` is None."""
        if index is None:
            index = self._turn
            self._turn += 1
        return self.urls[index % len(self.urls)]

    async def aclose(self) -> None:
        if self._owned:
            await self.http.aclose()

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One attempt, any status; only a failure to get an answer raises (TransportError)."""
        try:
            return await self.http.request(method, url, params=params, content=content, headers=headers)
        except httpx.TransportError as exc:
            sent = not isinstance(exc, _NOT_SENT)
            raise TransportError(f"{method} {url} failed: {exc!r}", sent=sent) from exc

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """One attempt at the next base URL: the 2xx answer, else the typed error."""
        response = await self.send(
            method, self.base_url() + path, params=params, content=content, headers=headers
        )
        if response.is_success:
            return response
        raise error_from_response(response)

    async def retrying(
        self, attempt: Callable[[], Awaitable[T]], may_retry: Callable[[GuardianClientError], bool]
    ) -> T:
        """`attempt()` until it succeeds, raises an error `may_retry` refuses, or the policy is spent."""
        for number in range(1, self.retry.max_attempts + 1):
            try:
                return await attempt()
            except GuardianClientError as exc:
                if not may_retry(exc) or number == self.retry.max_attempts:
                    raise
                wait = self.retry.delay(number, exc.retry_after if isinstance(exc, ApiError) else None)
                if wait is None:
                    raise
                await self.sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")

    async def call(
        self,
        method: str,
        path: str,
        *,
        headers: Callable[[], dict[str, str]] = dict,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        idempotent: bool,
        unchanged_codes: frozenset[str] = frozenset(),
    ) -> httpx.Response:
        """The 2xx answer, after retries as the module docstring says; else the typed error. `headers`
        is called for every attempt (a signed request is signed again)."""

        def may_retry(error: GuardianClientError) -> bool:
            if isinstance(error, TransportError):
                return idempotent or not error.sent
            if isinstance(error, ProtocolError) and error.status in PROXY_STATUSES:
                return idempotent
            return (
                isinstance(error, ApiError)
                and error.retryable
                and (idempotent or error.code in unchanged_codes)
            )

        return await self.retrying(
            lambda: self.request(method, path, headers=headers(), params=params, content=content), may_retry
        )


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or a ProtocolError saying what came instead."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ProtocolError(
            f"{response.request.method} {response.request.url} answered {response.status_code} without a "
            "JSON object",
            response.status_code,
        )
    return data


class GatewayClient:
    """What the custody and login clients share: a Transport over the gateway URLs, closed with the client
    (an `http` client passed in stays open), and use as an async context manager."""

    def __init__(
        self,
        base_urls: str | Sequence[str],
        *,
        http: httpx.AsyncClient | None,
        timeout: float,
        retry: RetryPolicy | None,
    ) -> None:
        self.transport = Transport(base_urls, http=http, timeout=timeout, retry=retry or RetryPolicy())

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.transport.aclose()
