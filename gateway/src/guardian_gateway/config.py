"""Gateway configuration: environment variables only, parsed once at startup (see docs/gateway.md)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from guardian_gateway.listener import parse_listen_address

LIMITER_OFF = frozenset({"0", "false", "no", "off"})
NETWORKS = {
    "local": "local",
    "midenlocal": "local",
    "testnet": "testnet",
    "midentestnet": "testnet",
    "devnet": "devnet",
    "midendevnet": "devnet",
}


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUARDIAN_", extra="ignore")

    http_addr: str = "127.0.0.1:8080"
    auth_target: str = "127.0.0.1:50061"
    coordinator_target: str = "127.0.0.1:50051"
    internal_token: SecretStr | None = None
    # Above the auth service's own coordinator deadline, so a store outage reaches the client as auth's
    # retryable storage_error rather than as a gateway timeout.
    auth_deadline_seconds: float = Field(default=10.0, gt=0, le=120)
    coordinator_deadline_seconds: float = Field(default=5.0, gt=0, le=120)
    readiness_deadline_seconds: float = Field(default=2.0, gt=0, le=60)
    startup_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=600)
    max_request_bytes: int = Field(default=1_048_576, ge=1, le=1_073_741_824)
    rate_limit_enabled: bool = True
    rate_burst_per_sec: int = Field(default=10, ge=0, le=1_000_000_000)
    rate_per_min: int = Field(default=60, ge=0, le=1_000_000_000)
    cookie_secure: bool | None = None
    cors_allowed_origins: str | None = None
    dashboard_cursor_secret: SecretStr | None = None
    network_type: str = "local"
    git_commit: str = "unknown"

    @field_validator("http_addr")
    @classmethod
    def _listen_address(cls, value: str) -> str:
        parse_listen_address(value)
        return value

    @field_validator("network_type")
    @classmethod
    def _network(cls, value: str) -> str:
        try:
            return NETWORKS[value.strip().lower()]
        except KeyError:
            raise ValueError(
                "must be one of local, testnet, devnet (or MidenLocal, MidenTestnet, MidenDevnet)"
            ) from None

    @field_validator("rate_limit_enabled", mode="before")
    @classmethod
    def _kill_switch(cls, value: object) -> object:
        # Same reading as upstream: only an explicit 0/false/no/off turns the limiter off.
        if isinstance(value, str):
            return value.strip().lower() not in LIMITER_OFF
        return value
