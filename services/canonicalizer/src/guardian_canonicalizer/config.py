"""Canonicalizer configuration (environment variables only; defaults in docs/canonicalizer.md).

Durations are float seconds so tests can run the loop at sub-second cadence; the defaults are the
production ones of docs/contracts/canonicalization.md §1, plus a lease sized so a crashed leader is replaced within 15 s.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from guardian_canonicalizer.domain.policy import Policy
from guardian_common.settings import strict_bool
from guardian_common.shards import MAX_SHARDS


class CanonicalizerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUARDIAN_", extra="ignore")

    grpc_addr: str = "127.0.0.1:50071"
    coordinator_target: str = "127.0.0.1:50051"
    internal_token: str | None = None
    instance_id: str | None = Field(default=None, max_length=128)
    coordinator_deadline_seconds: float = Field(default=5.0, gt=0, le=120)
    startup_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=600)

    miden_rpc_endpoint: str = "http://localhost:57291"
    miden_rpc_timeout_ms: int = Field(default=10_000, ge=1, le=600_000)

    canonicalization_check_interval_seconds: float = Field(default=10.0, gt=0, le=3600)
    canonicalization_fast_promotion_enabled: bool = True
    canonicalization_fast_promotion_interval_seconds: float = Field(default=3.0, gt=0, le=3600)
    canonicalization_fast_promotion_window_seconds: float = Field(default=30.0, gt=0, le=86_400)
    canonicalization_max_retries: int = Field(default=48, ge=1, le=1_000_000)
    canonicalization_submission_grace_period_seconds: float = Field(default=600.0, ge=0, le=30 * 86_400)
    canonicalization_divergence_confirmations: int = Field(default=2, ge=1, le=1000)
    canonicalization_abandon_quarantine_seconds: float = Field(default=15.0, ge=0, le=86_400)
    canonicalization_abandon_quarantine_checks: int = Field(default=2, ge=1, le=1000)
    canonicalization_retained_ttl_seconds: int = Field(default=86_400, ge=0, le=365 * 86_400)
    canonicalization_reconcile_interval_seconds: float = Field(default=60.0, gt=0, le=86_400)
    canonicalization_reconcile_page_size: int = Field(default=100, ge=1, le=500)
    canonicalization_shards: int = Field(default=16, ge=1, le=MAX_SHARDS)
    canonicalization_batch_size: int = Field(default=200, ge=1, le=500)
    canonicalization_chain_concurrency: int = Field(default=32, ge=1, le=1000)
    canonicalization_max_concurrent_shards: int = Field(default=4, ge=1, le=MAX_SHARDS)
    canonicalization_lease_ttl_seconds: float = Field(default=10.0, gt=0, le=3600)
    canonicalization_renew_interval_seconds: float = Field(default=3.0, gt=0, le=3600)

    _bools = field_validator("canonicalization_fast_promotion_enabled", mode="before")(strict_bool)

    @field_validator("miden_rpc_endpoint")
    @classmethod
    def _origin_only(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// origin, e.g. http://localhost:57291")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("must be an origin only (scheme, host and port; no path or query)")
        return value.strip()

    @model_validator(mode="after")
    def _renew_well_inside_ttl(self) -> CanonicalizerSettings:
        if not self.canonicalization_renew_interval_seconds < self.canonicalization_lease_ttl_seconds / 2:
            raise ValueError(
                "GUARDIAN_CANONICALIZATION_RENEW_INTERVAL_SECONDS must be below half of "
                "GUARDIAN_CANONICALIZATION_LEASE_TTL_SECONDS, so one failed renewal still leaves time for "
                "the next before the lease expires"
            )
        return self

    def policy(self) -> Policy:
        return Policy(
            max_retries=self.canonicalization_max_retries,
            grace_seconds=self.canonicalization_submission_grace_period_seconds,
            divergence_confirmations=self.canonicalization_divergence_confirmations,
            abandon_quarantine_seconds=self.canonicalization_abandon_quarantine_seconds,
            abandon_quarantine_checks=self.canonicalization_abandon_quarantine_checks,
            retained_ttl_seconds=self.canonicalization_retained_ttl_seconds,
        )
