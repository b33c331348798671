"""Coordinator configuration (environment variables only; defaults documented in docs/CONFIGURATION.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from guardian_coordinator.store.postgres.engine import PoolSettings


class Backend(StrEnum):
    """Where custody and coordination state live (GUARDIAN_COORDINATOR_BACKEND)."""

    POSTGRES = "postgres"  # the default: shared mode, survives restarts, needs DATABASE_URL
    MEMORY = "memory"  # single-process mode for tests and throwaway runs: nothing survives a restart


class CoordinatorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUARDIAN_", extra="ignore")

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    coordinator_backend: Backend = Backend.POSTGRES
    grpc_addr: str = "127.0.0.1:50051"
    internal_token: str | None = None
    db_pool_max_size: int = Field(default=16, ge=1, le=1000)
    db_pool_acquire_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    db_connect_timeout_seconds: int = Field(default=5, ge=1, le=300)
    db_statement_timeout_ms: int = Field(default=5000, ge=1, le=3_600_000)
    db_session_lookups_in_flight: int = Field(default=2, ge=1, le=64)
    db_session_lookup_interval_ms: float = Field(default=2.0, ge=0, le=100)
    db_direct_connections: int = Field(default=8, ge=1, le=64)
    migration_lock_poll_ms: int = Field(default=500, ge=10, le=60_000)
    migration_lock_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    sweep_interval_seconds: float = Field(default=60.0, gt=0, le=86_400)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=600)
    # Viable pending delta proposals an account may hold (docs/proposals.md).
    max_pending_proposals_per_account: int = Field(default=20, ge=1, le=10_000)

    @field_validator("coordinator_backend", mode="before")
    @classmethod
    def _trimmed_lower_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    def pool(self) -> PoolSettings:
        return PoolSettings(
            max_size=self.db_pool_max_size,
            acquire_timeout_seconds=self.db_pool_acquire_timeout_seconds,
            connect_timeout_seconds=self.db_connect_timeout_seconds,
            statement_timeout_ms=self.db_statement_timeout_ms,
            session_lookups_in_flight=self.db_session_lookups_in_flight,
            session_lookup_interval_ms=self.db_session_lookup_interval_ms,
            direct_connections=self.db_direct_connections,
        )
