"""Auth service configuration (environment variables only; defaults in docs/CONFIGURATION.md)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUARDIAN_", extra="ignore")

    grpc_addr: str = "127.0.0.1:50061"
    coordinator_target: str = "127.0.0.1:50051"
    internal_token: str | None = None
    operator_public_keys_file: Path | None = None
    ack_ecdsa_key_file: Path | None = None
    ack_falcon_key_file: Path | None = None
    dashboard_commitment_rate_burst_per_sec: int = Field(default=6, ge=1)
    dashboard_commitment_rate_per_min: int = Field(default=30, ge=1)
    operator_challenge_ttl_seconds: int = Field(default=300, ge=1, le=3600)
    operator_session_ttl_seconds: int = Field(default=28_800, ge=1, le=7 * 86_400)
    evm_challenge_ttl_seconds: int = Field(default=300, ge=1, le=3600)
    evm_session_ttl_seconds: int = Field(default=28_800, ge=1, le=7 * 86_400)
    # How long a gateway may answer from one positive session check; every logout waits this long after its
    # revocation (domain/session_reuse.py). 0 turns reuse off. Every auth replica must use the same value.
    session_reuse_ms: int = Field(default=500, ge=0, le=2000)
    coordinator_deadline_seconds: float = Field(default=5.0, gt=0, le=60)
    startup_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=600)
    # Worker processes for request digests and Falcon verification, and how many more calls may wait for one
    # before the next is refused with a retryable 503 (guardian_common.offload).
    offload_workers: int = Field(default=2, ge=1, le=64)
    offload_queue: int = Field(default=8, ge=0, le=10_000)
