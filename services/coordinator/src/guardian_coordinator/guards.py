"""Startup guards (applied by guardian_common.startup.enforce): in the prod stage a misconfiguration refuses
to start; elsewhere it warns."""

from __future__ import annotations

from guardian_common.stage import MaxReplicas, Stage
from guardian_common.startup import MISSING_INTERNAL_TOKEN
from guardian_coordinator.config import CoordinatorSettings

MISSING_DATABASE_URL = (
    "DATABASE_URL is not set. The coordinator would keep sessions, "
    "challenges and worker leases in process memory: a multi-replica fleet would not share logins, "
    "logouts or canonicalization leadership, and everything would be lost on restart. Set "
    "DATABASE_URL=postgresql://USER:PASSWORD@HOST:5432/DB?sslmode=verify-full, or unset GUARDIAN_ENV "
    "for a single-process development setup."
)


def startup_problems(settings: CoordinatorSettings, stage: Stage, max_replicas: MaxReplicas) -> list[str]:
    """Every configuration problem, each message naming the variable, the consequence and the fix.

    Outside prod a missing DATABASE_URL is no problem: it selects the single-process (memory) mode."""
    problems = []
    if not settings.database_url and stage is Stage.PROD:
        problems.append(MISSING_DATABASE_URL)
    if not settings.internal_token:
        problems.append(MISSING_INTERNAL_TOKEN)
    if max_replicas.problem:
        problems.append(max_replicas.problem)
    return problems
