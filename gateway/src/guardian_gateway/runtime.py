"""Everything the gateway resolves from its settings and the environment before it serves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import version

from guardian_common.stage import MaxReplicas, Stage, resolve_max_replicas, resolve_stage
from guardian_gateway.config import GatewaySettings
from guardian_gateway.cursor_secret import CursorKey, parse_cursor_secret
from guardian_gateway.domain.body_caps import BodyCaps
from guardian_gateway.domain.cors_policy import CorsPolicy
from guardian_gateway.domain.http_limiter import HttpLimits
from guardian_gateway.evm_settings import DEFAULT_ENTRYPOINT, EvmChains, parse_rpc_urls


@dataclass(frozen=True)
class GatewayRuntime:
    stage: Stage
    max_replicas: MaxReplicas
    limits: HttpLimits
    cookie_secure: bool
    cors: CorsPolicy
    cursor_key: CursorKey
    body_caps: BodyCaps
    body_timeout_seconds: float
    offload_workers: int
    offload_queue: int
    environment: str
    git_commit: str
    version: str
    evm_chains: EvmChains = field(default_factory=lambda: EvmChains({}, DEFAULT_ENTRYPOINT))
    evm_rpc_timeout_seconds: float = 5.0
    session_cache_entries: int = 10_000
    large_requests_in_flight: int = 2
    large_requests_waiting: int = 16


def resolve_runtime(settings: GatewaySettings, environ: Mapping[str, str] | None = None) -> GatewayRuntime:
    """Raises ConfigurationError for what is refused in every stage (malformed cursor secret, bad CORS)."""
    stage = resolve_stage(environ)
    max_replicas = resolve_max_replicas(environ)
    secret = settings.dashboard_cursor_secret
    return GatewayRuntime(
        stage=stage,
        max_replicas=max_replicas,
        limits=HttpLimits.partitioned(
            enabled=settings.rate_limit_enabled,
            burst_per_sec=settings.rate_burst_per_sec,
            per_min=settings.rate_per_min,
            max_replicas=max_replicas.value,
        ),
        cookie_secure=stage is Stage.PROD if settings.cookie_secure is None else settings.cookie_secure,
        cors=CorsPolicy.parse(settings.cors_allowed_origins),
        cursor_key=parse_cursor_secret(None if secret is None else secret.get_secret_value()),
        body_caps=BodyCaps(settings.max_request_bytes, settings.max_small_request_bytes),
        body_timeout_seconds=settings.http_body_timeout_seconds,
        offload_workers=settings.offload_workers,
        offload_queue=settings.offload_queue,
        session_cache_entries=settings.session_cache_entries,
        large_requests_in_flight=settings.max_large_requests_in_flight,
        large_requests_waiting=settings.max_large_requests_waiting,
        environment=settings.network_type,
        git_commit=settings.git_commit,
        version=version("guardian-gateway"),
        evm_chains=EvmChains(parse_rpc_urls(settings.evm_rpc_urls), settings.evm_entrypoint_address),
        evm_rpc_timeout_seconds=settings.evm_rpc_timeout_secs,
    )
