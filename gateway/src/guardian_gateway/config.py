"""Gateway configuration: environment variables only, parsed once at startup (see docs/gateway.md)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from guardian_gateway.domain.body_caps import DEFAULT_PAYLOAD_BYTES, DEFAULT_SMALL_BYTES
from guardian_gateway.evm_settings import DEFAULT_ENTRYPOINT, parse_entrypoint, parse_rpc_urls
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
    # On SIGTERM, /readyz answers 503 for this long while every request is still served, so a load balancer
    # stops sending new requests before connections close (docs/runbooks/container-fleet.md).
    drain_delay_seconds: float = Field(default=0.0, ge=0, le=120)
    # Body caps by route (domain/body_caps.py): /configure and /delta, then every other route.
    max_request_bytes: int = Field(default=DEFAULT_PAYLOAD_BYTES, ge=1, le=1_073_741_824)
    max_small_request_bytes: int = Field(default=DEFAULT_SMALL_BYTES, ge=1, le=1_073_741_824)
    # Request line and headers together; the whole request head must arrive within the header timeout
    # and the body within the body timeout (a Content-Length larger than the body sent gets 408).
    max_header_bytes: int = Field(default=65_536, ge=1024, le=16_777_216)
    http_header_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    http_body_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    # How long an idle keep-alive connection stays open. Longer than every load balancer's own idle timeout
    # in deploy/ (ALB 60 s, Caddy 60 s): a balancer that reuses a connection the gateway closed at the same
    # moment loses the request on it (uvicorn's own default is 5 s).
    http_keep_alive_seconds: float = Field(default=75.0, gt=0, le=3600)
    # Worker processes for state commitments of large pushes, and how many more may wait for one.
    offload_workers: int = Field(default=2, ge=1, le=64)
    offload_queue: int = Field(default=8, ge=0, le=10_000)
    # Requests with a body above 64 KiB handled at once, and how many more may wait for a turn (then 503).
    max_large_requests_in_flight: int = Field(default=2, ge=1, le=1024)
    max_large_requests_waiting: int = Field(default=16, ge=0, le=100_000)
    # Positive wallet session checks kept for the window auth grants (usecases/sessions.py); 0: none.
    session_cache_entries: int = Field(default=10_000, ge=0, le=1_000_000)
    rate_limit_enabled: bool = True
    rate_burst_per_sec: int = Field(default=10, ge=0, le=1_000_000_000)
    rate_per_min: int = Field(default=60, ge=0, le=1_000_000_000)
    cookie_secure: bool | None = None
    cors_allowed_origins: str | None = None
    dashboard_cursor_secret: SecretStr | None = None
    network_type: str = "local"
    git_commit: str = "unknown"
    # EVM accounts and proposals: `<chainId>=<url>,…` (no entry: no supported chain), the ERC-4337
    # EntryPoint, and the timeout of each JSON-RPC call.
    evm_rpc_urls: str | None = None
    evm_entrypoint_address: str = DEFAULT_ENTRYPOINT
    evm_rpc_timeout_secs: float = Field(default=5.0, gt=0, le=120)

    @field_validator("evm_rpc_urls")
    @classmethod
    def _evm_rpc_urls(cls, value: str | None) -> str | None:
        parse_rpc_urls(value)
        return value

    @field_validator("evm_entrypoint_address")
    @classmethod
    def _evm_entrypoint(cls, value: str) -> str:
        return parse_entrypoint(value)

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
