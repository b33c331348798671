"""`python -m guardian_common.healthcheck [SERVICE]`: the images' HEALTHCHECK for the gRPC services.

Asks this container's own gRPC server (the port of GUARDIAN_GRPC_ADDR, on 127.0.0.1) for the health of SERVICE
(default `readiness`: healthy while the dependencies answer, docs/runbooks/container-fleet.md) and exits 0 when
it is SERVING, 1 otherwise. It dials like every internal client (guardian_common.transport_security), so it keeps
working when the fleet turns on TLS or mutual TLS for internal gRPC.
"""

from __future__ import annotations

import asyncio
import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from guardian_common.grpc_client import internal_channel

DEFAULT_ADDR = "0.0.0.0:50051"
TIMEOUT_SECONDS = 4.0


async def check(service: str, environ: dict[str, str]) -> bool:
    port = environ.get("GUARDIAN_GRPC_ADDR", DEFAULT_ADDR).rsplit(":", 1)[1]
    channel = internal_channel(f"127.0.0.1:{port}", None)
    try:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT_SECONDS
        )
    except grpc.aio.AioRpcError as exc:
        print(f"health check of {service or '(overall)'}: {exc.code().name}", file=sys.stderr)
        return False
    finally:
        await channel.close(None)
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def main() -> None:
    service = sys.argv[1] if len(sys.argv) > 1 else "readiness"
    sys.exit(0 if asyncio.run(check(service, dict(os.environ))) else 1)


if __name__ == "__main__":
    main()
