"""Startup steps every service shares: waiting for the coordinator, and stage-dependent guards."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from pydantic_settings import BaseSettings

from guardian_common.errors import ConfigurationError
from guardian_common.logs import configure_logging
from guardian_common.settings import load_settings
from guardian_common.stage import Stage

log = logging.getLogger(__name__)
T = TypeVar("T")
S = TypeVar("S", bound=BaseSettings)

COORDINATOR_IN_MEMORY = (
    "the coordinator runs in single-process mode (memory backend): sessions, challenges and leases would "
    "not survive a restart and cannot be shared by a coordinator fleet. Start the coordinator with "
    "DATABASE_URL set (shared mode) for the prod stage."
)
MISSING_INTERNAL_TOKEN = (
    "GUARDIAN_INTERNAL_TOKEN is not set: internal gRPC calls would be unauthenticated, so any process that "
    "reaches the internal ports could act for the fleet. Set the same random secret (for example "
    "`openssl rand -hex 32`) on every service."
)


async def retry_until(what: str, call: Callable[[], Awaitable[T]], wait_seconds: float) -> T:
    """Retries `call` (e.g. the coordinator's Describe) until it answers or `wait_seconds` pass."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.1
    while True:
        try:
            return await call()
        except Exception as exc:
            if time.monotonic() + delay > deadline:
                raise ConfigurationError(
                    f"{what} did not answer within {wait_seconds:g}s ({exc}); check its target address, "
                    "that it is running, and that GUARDIAN_INTERNAL_TOKEN matches"
                ) from None
            log.info("waiting for %s: %s", what, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


def enforce(stage: Stage, problems: list[str], logger: logging.Logger) -> None:
    """Prod: the first problem refuses startup (all are logged). Elsewhere: each is a warning."""
    if stage is Stage.PROD and problems:
        for problem in problems:
            logger.error("refusing to start in the prod stage: %s", problem)
        raise ConfigurationError(problems[0])
    for problem in problems:
        logger.warning("%s (continuing: not the prod stage)", problem)


def run_service(service: str, settings_type: type[S], serve: Callable[[S], Coroutine[Any, Any, int]]) -> None:
    """A console script's body: logging first, settings, serve until stopped, exit with its code.

    A configuration problem exits 2 with one `refusing to start: …` line naming the fix.
    """
    logger = configure_logging(service)
    try:
        code: int = asyncio.run(serve(load_settings(settings_type)))
    except ConfigurationError as exc:
        logger.error("refusing to start: %s", exc)
        code = 2
    sys.exit(code)
