"""Startup guards (applied by guardian_common.startup.enforce): in the prod stage a misconfiguration refuses
to start; elsewhere it warns. A backend that cannot work at all refuses in every stage."""

from __future__ import annotations

from guardian_common.stage import MaxReplicas, Stage
from guardian_common.startup import MISSING_INTERNAL_TOKEN
from guardian_coordinator.config import Backend, CoordinatorSettings

MISSING_DATABASE_URL = (
    "DATABASE_URL is not set, and the coordinator's backend (GUARDIAN_COORDINATOR_BACKEND, default postgres) "
    "keeps accounts, deltas and sessions in PostgreSQL. Set "
    "DATABASE_URL=postgresql://USER:PASSWORD@HOST:5432/DB (`make run` starts an embedded server for you), "
    "or GUARDIAN_COORDINATOR_BACKEND=memory for a throwaway single-process run"
)
MEMORY_IN_PROD = (
    "GUARDIAN_COORDINATOR_BACKEND=memory keeps accounts, deltas, sessions and leases in process memory: a "
    "restart loses custody and a multi-replica fleet would not share logins or canonicalization leadership. "
    "Unset GUARDIAN_COORDINATOR_BACKEND (postgres is the default) and set "
    "DATABASE_URL=postgresql://USER:PASSWORD@HOST:5432/DB?sslmode=verify-full"
)
# Said once at start-up by the memory backend, in every non-prod run.
MEMORY_NOTICE = (
    "GUARDIAN_COORDINATOR_BACKEND=memory: single-process mode, nothing survives a restart (accounts, deltas, "
    "sessions, challenges and leases live in this process only)"
)
DATABASE_URL_IGNORED = (
    "DATABASE_URL is set but GUARDIAN_COORDINATOR_BACKEND=memory: the database is not used; unset "
    "GUARDIAN_COORDINATOR_BACKEND to keep custody in it"
)


def fatal_problems(settings: CoordinatorSettings) -> list[str]:
    """What refuses startup in every stage: the postgres backend without a database cannot work at all."""
    if settings.coordinator_backend is Backend.POSTGRES and not settings.database_url:
        return [MISSING_DATABASE_URL]
    return []


def startup_problems(settings: CoordinatorSettings, stage: Stage, max_replicas: MaxReplicas) -> list[str]:
    """Every configuration problem, each message naming the variable, the consequence and the fix.

    Outside prod the memory backend is no problem (it announces itself once instead)."""
    problems = []
    if settings.coordinator_backend is Backend.MEMORY:
        if stage is Stage.PROD:
            problems.append(MEMORY_IN_PROD)
        elif settings.database_url:
            problems.append(DATABASE_URL_IGNORED)
    if not settings.internal_token:
        problems.append(MISSING_INTERNAL_TOKEN)
    if max_replicas.problem:
        problems.append(max_replicas.problem)
    return problems
