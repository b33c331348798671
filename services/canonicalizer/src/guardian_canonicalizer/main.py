"""`guardian-canonicalizer`: the shard heartbeat, the pass loop, a Status RPC, optional metrics and traces.

SIGTERM/SIGINT: stop admitting work, let in-flight writes finish, release every shard and leave the
membership at once, exit 0.
"""

from __future__ import annotations

import asyncio
import logging

from guardian_canonicalizer.api.status import SERVICE_NAMES, register
from guardian_canonicalizer.clients.chain import ChainAdapter
from guardian_canonicalizer.clients.coordinator import CoordinatorClient
from guardian_canonicalizer.config import CanonicalizerSettings
from guardian_canonicalizer.domain.clock import SystemClock
from guardian_canonicalizer.domain.passes import Passes, PassSettings
from guardian_canonicalizer.domain.shards import ShardManager
from guardian_canonicalizer.domain.status import StatusBoard
from guardian_canonicalizer.domain.worker import Cadence, Worker
from guardian_canonicalizer.holder import holder_id
from guardian_canonicalizer.metrics import Metrics
from guardian_common.coordination_line import announce
from guardian_common.grpc_server import GrpcServer, wait_for_stop_signal
from guardian_common.stage import resolve_max_replicas, resolve_stage
from guardian_common.startup import (
    COORDINATOR_IN_MEMORY,
    MISSING_INTERNAL_TOKEN,
    enforce,
    retry_until,
    run_service,
)
from guardian_common.telemetry import setup_telemetry
from guardian_common.telemetry.metrics import REGISTRY
from guardian_network import JsonNetwork

log = logging.getLogger("guardian.canonicalizer")


def cadence(settings: CanonicalizerSettings) -> Cadence:
    return Cadence(
        full_seconds=settings.canonicalization_check_interval_seconds,
        fast_seconds=(
            settings.canonicalization_fast_promotion_interval_seconds
            if settings.canonicalization_fast_promotion_enabled
            else None
        ),
        reconcile_seconds=(
            settings.canonicalization_reconcile_interval_seconds
            if settings.canonicalization_retained_ttl_seconds > 0
            else None
        ),
    )


async def serve(settings: CanonicalizerSettings) -> int:
    setup_telemetry("canonicalizer")
    stage = resolve_stage()
    max_replicas = resolve_max_replicas()
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

    board = StatusBoard(holder_id=holder_id(settings.instance_id))
    metrics = Metrics(REGISTRY)
    shards = ShardManager(
        coordinator,
        holder_id=board.holder_id,
        shard_count=settings.canonicalization_shards,
        ttl_seconds=settings.canonicalization_lease_ttl_seconds,
        renew_interval_seconds=settings.canonicalization_renew_interval_seconds,
        status=board,
        metrics=metrics,
    )
    # Join the membership first (takes no shard): replicas booting together then split the shards
    # fairly at their first acquisition, one renew interval from here (docs/canonicalizer.md, "Shards").
    await shards.register()
    network = JsonNetwork()
    network.commitment({})  # loads the hash tables at boot, not inside the first pass
    chain = ChainAdapter(settings.miden_rpc_endpoint, settings.miden_rpc_timeout_ms / 1000)
    passes = Passes(
        coordinator,
        chain,
        network,
        SystemClock(),
        settings.policy(),
        PassSettings(
            batch_size=settings.canonicalization_batch_size,
            chain_concurrency=settings.canonicalization_chain_concurrency,
            fast_window_seconds=settings.canonicalization_fast_promotion_window_seconds,
            reconcile_page_size=settings.canonicalization_reconcile_page_size,
            reconcile_interval_seconds=settings.canonicalization_reconcile_interval_seconds,
        ),
        board,
        metrics,
    )
    worker = Worker(
        shards,
        passes,
        cadence(settings),
        board,
        metrics,
        max_concurrent_shards=settings.canonicalization_max_concurrent_shards,
    )

    # Ready while the coordinator answers (docs/runbooks/container-fleet.md "Liveness and readiness").
    server = GrpcServer(
        address=settings.grpc_addr,
        service_names=SERVICE_NAMES,
        internal_token=settings.internal_token,
        readiness=coordinator.reachable,
    )
    register(server.server, board)
    # The rest of the join wait: a replica serves (and takes shards) once its peers can count it.
    await shards.settle()
    port = await server.start()
    announce(
        "canonicalizer",
        f"grpc={settings.grpc_addr.rsplit(':', 1)[0]}:{port}",
        mode=described.mode,
        backend=described.backend,
        stage=stage.value,
        max_replicas=max_replicas.value,
        cursor_secret="n/a",
    )
    log.info(
        "holder %s, %d shards, chain %s",
        board.holder_id,
        settings.canonicalization_shards,
        settings.miden_rpc_endpoint,
    )
    heartbeat_task = asyncio.create_task(shards.run())
    loop_task = asyncio.create_task(worker.run())
    stop_signal = asyncio.create_task(wait_for_stop_signal())
    done, _ = await asyncio.wait({loop_task, stop_signal}, return_when=asyncio.FIRST_COMPLETED)
    if stop_signal in done:
        log.info(
            "received %s: finishing in-flight work, then releasing the shards", stop_signal.result().name
        )
    else:
        stop_signal.cancel()
    worker.stop()
    code = 0
    try:
        await loop_task  # the passes finish their admitted work (the heartbeat keeps the leases meanwhile)
    except Exception:
        log.exception("the pass loop failed")
        code = 1
    await shards.leave()  # every shard released and the membership row dropped, in one call
    await heartbeat_task
    await server.drain(settings.shutdown_grace_seconds)
    await chain.close()
    await coordinator.close()
    log.info("stopped")
    return code


def main() -> None:
    run_service("canonicalizer", CanonicalizerSettings, serve)


if __name__ == "__main__":
    main()
