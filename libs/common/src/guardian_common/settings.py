"""Typed settings from environment variables, with startup errors that name the variable and the fix."""

from __future__ import annotations

import os
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from guardian_common.errors import ConfigurationError

S = TypeVar("S", bound=BaseSettings)


def strict_bool(value: Any) -> Any:
    """`true` or `false` exactly (any case, trimmed): `1`, `yes` and typos refuse startup."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ValueError("must be exactly `true` or `false`")
    return text == "true"


def env_name(settings_type: type[BaseSettings], field: str) -> str:
    info = settings_type.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, str):
        return alias
    prefix = str(settings_type.model_config.get("env_prefix", ""))
    return f"{prefix}{field}".upper()


def load_settings(settings_type: type[S]) -> S:
    """Parses the environment once; any invalid value refuses startup with an actionable message."""
    try:
        return settings_type()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            name = env_name(settings_type, field) if field in settings_type.model_fields else field
            raw = os.environ.get(name, "<unset>")
            problems.append(f"{name}={raw!r}: {error['msg']}")
        raise ConfigurationError(
            "invalid configuration, the service cannot start: "
            + "; ".join(problems)
            + ". Fix or unset the variable(s); docs/CONFIGURATION.md lists every variable with its default."
        ) from None
