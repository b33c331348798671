"""Startup steps every service shares: waiting for the coordinator, and stage-dependent guards."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from guardian_common.errors import ConfigurationError
from guardian_common.logs import configure_logging
from guardian_common.settings import load_settings
from guardian_common.stage import Stage, resolve_stage

log = logging.getLogger(__name__)
T = TypeVar("T")
S = TypeVar("S", bound=BaseSettings)

COORDINATOR_IN_MEMORY = (
    "the coordinator runs in single-process mode (GUARDIAN_COORDINATOR_BACKEND=memory): accounts, deltas, "
    "sessions, challenges and leases would not survive its restart and cannot be shared by a coordinator "
    "fleet. Run the coordinator on its default postgres backend with DATABASE_URL set (shared mode)."
)
MISSING_INTERNAL_TOKEN = (
    "GUARDIAN_INTERNAL_TOKEN is not set: internal gRPC calls would be unauthenticated, so any process that "
    "reaches the internal ports could act for the fleet. Set the same random secret (for example "
    "`openssl rand -hex 32`) on every service."
)
# Shorter than this, a token is a password someone typed, not a secret: `openssl rand -hex 32` gives 64.
MIN_INTERNAL_TOKEN_CHARS = 16
_TOKEN_FIX = "Set the same random secret on every service, for example the output of `openssl rand -hex 32`."


def weak_internal_token(token: str | None) -> str | None:
    """The problem with a GUARDIAN_INTERNAL_TOKEN that is set but no secret: blank, padded with whitespace, or
    short. None when it is unset or empty (each service's own guard names that: MISSING_INTERNAL_TOKEN) or
    sound. The message never repeats the token."""
    if not token:
        return None
    if not token.strip():
        return (
            "GUARDIAN_INTERNAL_TOKEN is blank (only whitespace): every internal gRPC call would carry a "
            f"token anyone can guess. {_TOKEN_FIX}"
        )
    if token != token.strip():
        return (
            "GUARDIAN_INTERNAL_TOKEN starts or ends with whitespace (a newline copied from a file?): gRPC "
            "metadata does not carry it reliably, so internal calls could be refused. Remove the whitespace."
        )
    if len(token) < MIN_INTERNAL_TOKEN_CHARS:
        length = f"{len(token)} character{'' if len(token) == 1 else 's'}"
        return (
            f"GUARDIAN_INTERNAL_TOKEN is {length}, too short to be a secret (at least "
            f"{MIN_INTERNAL_TOKEN_CHARS}). {_TOKEN_FIX}"
        )
    return None


def _internal_token(settings: BaseSettings) -> str | None:
    """The service's GUARDIAN_INTERNAL_TOKEN (a plain or secret string), None for a service without one."""
    value = getattr(settings, "internal_token", None)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value if isinstance(value, str) else None


async def retry_until(
    what: str,
    call: Callable[[], Awaitable[T]],
    wait_seconds: float,
    *,
    setting: str = "GUARDIAN_COORDINATOR_TARGET",
) -> T:
    """Retries `call` (e.g. the coordinator's Describe) until it answers or `wait_seconds` pass.

    `setting` names the variable holding the target's address, for the refusal message."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.1
    while True:
        try:
            return await call()
        except Exception as exc:
            if time.monotonic() + delay > deadline:
                raise ConfigurationError(
                    f"{what} did not answer within {wait_seconds:g}s ({_first_line(exc)}); check {setting}, "
                    "that it is running, and that GUARDIAN_INTERNAL_TOKEN matches"
                ) from None
            log.info("waiting for %s: %s", what, _first_line(exc))
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


def _first_line(exc: BaseException) -> str:
    """gRPC errors span many lines (debug strings); a log line or a refusal keeps the first."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def enforce(stage: Stage, problems: list[str], logger: logging.Logger, *, fatal: Sequence[str] = ()) -> None:
    """`fatal` problems refuse startup in every stage; the others refuse it in prod and are warnings
    elsewhere. Each problem is logged once: the first refusal becomes the ConfigurationError that
    run_service prints, the other refusals are logged before it."""
    refused = [*fatal, *(problems if stage is Stage.PROD else [])]
    for problem in problems:
        if problem not in refused:
            logger.warning("%s (continuing: not the prod stage)", problem)
    if refused:
        for problem in refused[1:]:
            logger.error("refusing to start: %s", problem)
        raise ConfigurationError(refused[0])


def run_service(service: str, settings_type: type[S], serve: Callable[[S], Coroutine[Any, Any, int]]) -> None:
    """A console script's body: logging first, settings, serve until stopped, exit with its code.

    A configuration problem exits 2 with one `refusing to start: …` line naming the fix; a weak internal token
    is one (in prod; a warning elsewhere), found before the service starts anything. SIGINT before the
    service's own stop handler is in place (it is installed once the service listens) exits 130 with one
    line instead of a KeyboardInterrupt traceback.
    """
    logger = configure_logging(service)
    try:
        settings = load_settings(settings_type)
        # Checked here, once for every service, before anything starts (docs/CONFIGURATION.md).
        weak_token = weak_internal_token(_internal_token(settings))
        enforce(resolve_stage(), [weak_token] if weak_token else [], logger)
        code: int = asyncio.run(serve(settings))
    except ConfigurationError as exc:
        logger.error("refusing to start: %s", exc)
        code = 2
    except KeyboardInterrupt:
        logger.info("interrupted during start-up")
        code = 130
    sys.exit(code)
