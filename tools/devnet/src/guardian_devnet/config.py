"""Devnet configuration (environment variables only)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class DevnetSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUARDIAN_", extra="ignore")

    grpc_addr: str = (
        "127.0.0.1:57291"  # the Miden node RPC (GUARDIAN_MIDEN_RPC_ENDPOINT of the canonicalizer)
    )
    http_addr: str = "127.0.0.1:57292"  # the control API
