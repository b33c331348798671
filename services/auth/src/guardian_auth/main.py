"""`guardian-auth`: stateless login service. Every challenge and session goes through the coordinator."""

from __future__ import annotations

import asyncio
import logging

import uvloop

from guardian_auth.api.account_servicer import register_account_auth
from guardian_auth.api.servicers import SERVICE_NAMES, register
from guardian_auth.clients.coordinator import CoordinatorClient
from guardian_auth.config import AuthSettings
from guardian_auth.domain.ack import AckKeys, load_ack_signer, load_falcon_ack_signer
from guardian_auth.domain.allowlist import AllowlistError, AllowlistSource, FileAllowlist, StaticAllowlist
from guardian_auth.domain.authorize import RequestAuthorizer
from guardian_auth.domain.budget import CommitmentBudget
from guardian_auth.domain.evm import EvmLogins
from guardian_auth.domain.operator import OperatorLogins
from guardian_auth.domain.push import PushAuthorizer
from guardian_auth.domain.request_auth import RequestAuthenticator
from guardian_auth.domain.session_reuse import SessionReuse
from guardian_common.coordination_line import announce
from guardian_common.errors import ConfigurationError
from guardian_common.grpc_server import GrpcServer, wait_for_stop_signal
from guardian_common.offload import Offload
from guardian_common.stage import resolve_max_replicas, resolve_stage
from guardian_common.startup import (
    COORDINATOR_IN_MEMORY,
    MISSING_INTERNAL_TOKEN,
    enforce,
    retry_until,
    run_service,
)
from guardian_common.telemetry import setup_telemetry

log = logging.getLogger("guardian.auth")


def allowlist_source(settings: AuthSettings) -> AllowlistSource:
    if settings.operator_public_keys_file is None:
        log.warning("GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE is not set: no operator can log in")
        return StaticAllowlist()
    source = FileAllowlist(settings.operator_public_keys_file)
    try:
        source.current()  # a broken file at startup is worth knowing now; requests re-check it anyway
    except AllowlistError as exc:
        raise ConfigurationError(
            f"GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE={settings.operator_public_keys_file}: {exc}; fix the file "
            "(a JSON list of public keys or {public_key, permissions} objects) or point the setting elsewhere"
        ) from None
    return source


async def serve(settings: AuthSettings) -> int:
    setup_telemetry("auth")
    stage = resolve_stage()
    max_replicas = resolve_max_replicas()
    ack_signer = load_ack_signer(settings.ack_ecdsa_key_file, stage)
    falcon_signer = load_falcon_ack_signer(settings.ack_falcon_key_file, stage)
    allowlist = allowlist_source(settings)  # before waiting on the coordinator: a broken file fails fast
    coordinator = CoordinatorClient(
        settings.coordinator_target, settings.internal_token, settings.coordinator_deadline_seconds
    )
    described = await retry_until("the coordinator", coordinator.describe, settings.startup_wait_seconds)
    problems = [p for p in (max_replicas.problem,) if p]
    if not settings.internal_token:
        problems.append(MISSING_INTERNAL_TOKEN)
    if described.backend != "postgres":
        problems.append(COORDINATOR_IN_MEMORY)
    enforce(stage, problems, log)

    offload = Offload(settings.offload_workers, settings.offload_queue)
    await offload.start()
    budget = CommitmentBudget(
        settings.dashboard_commitment_rate_burst_per_sec,
        settings.dashboard_commitment_rate_per_min,
        max_replicas.value,
    )
    operator = OperatorLogins(
        coordinator,
        allowlist,
        budget,
        challenge_ttl_seconds=settings.operator_challenge_ttl_seconds,
        session_ttl_seconds=settings.operator_session_ttl_seconds,
        offload=offload,
    )
    evm = EvmLogins(
        coordinator,
        challenge_ttl_seconds=settings.evm_challenge_ttl_seconds,
        session_ttl_seconds=settings.evm_session_ttl_seconds,
        reuse=SessionReuse(settings.session_reuse_ms),
    )
    # Ready while the coordinator answers (docs/runbooks/container-fleet.md "Liveness and readiness").
    server = GrpcServer(
        address=settings.grpc_addr,
        service_names=SERVICE_NAMES,
        internal_token=settings.internal_token,
        readiness=coordinator.reachable,
    )
    register(server.server, operator, evm)
    authenticator = RequestAuthenticator(coordinator, offload=offload)
    ack_keys = AckKeys(ack_signer, falcon_signer, offload)
    pushes = PushAuthorizer(coordinator, authenticator, ack_keys, offload=offload)
    requests = RequestAuthorizer(coordinator, authenticator, signed_reads=coordinator)
    register_account_auth(server.server, authenticator, ack_keys, pushes, requests)
    port = await server.start()
    announce(
        "auth",
        f"grpc={settings.grpc_addr.rsplit(':', 1)[0]}:{port}",
        mode=described.mode,
        backend=described.backend,
        stage=stage.value,
        max_replicas=max_replicas.value,
        cursor_secret="n/a",
    )
    log.info("per-commitment login budget per replica: %d/s, %d/min", budget.burst, budget.sustained)
    log.info(
        "ack key %s (%s) commitment=%s",
        "configured" if ack_signer.configured else "ephemeral",
        ack_signer.public_key_hex,
        ack_signer.commitment,
    )
    if falcon_signer is not None:
        log.info("falcon ack key configured commitment=%s", falcon_signer.commitment)
    received = await wait_for_stop_signal()
    log.info("received %s: draining for up to %ss", received.name, settings.shutdown_grace_seconds)
    await server.drain(settings.shutdown_grace_seconds)
    offload.close()
    await coordinator.close()
    return 0


def main() -> None:
    # libuv's event loop, as the gateway: asyncio.run (in run_service) takes its loop from the policy.
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    run_service("auth", AuthSettings, serve)


if __name__ == "__main__":
    main()
