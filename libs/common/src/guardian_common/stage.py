"""Deployment stage and the fleet size every service resolves at startup."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    PROD = "prod"
    NON_PROD = "non-prod"


def resolve_stage(environ: Mapping[str, str] | None = None) -> Stage:
    """`prod` when GUARDIAN_ENV, trimmed and in any case, equals `prod`; `non-prod` otherwise."""
    env = os.environ if environ is None else environ
    return Stage.PROD if env.get("GUARDIAN_ENV", "").strip().lower() == "prod" else Stage.NON_PROD


@dataclass(frozen=True)
class MaxReplicas:
    """The resolved GUARDIAN_MAX_REPLICAS. An invalid raw value resolves to 1 and keeps the problem."""

    value: int
    problem: str | None = None


def resolve_max_replicas(environ: Mapping[str, str] | None = None) -> MaxReplicas:
    env = os.environ if environ is None else environ
    raw = env.get("GUARDIAN_MAX_REPLICAS")
    if raw is None or raw.strip() == "":
        return MaxReplicas(1)
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if value < 1:
        return MaxReplicas(
            1,
            f"GUARDIAN_MAX_REPLICAS={raw!r} is not a positive integer; fleet-wide limits would be "
            "divided wrongly. Set it to the maximum number of replicas of this service (for example "
            "the autoscaler's maximum).",
        )
    return MaxReplicas(value)
