"""Bad input at every gRPC server of the project, and a weak internal token at every service's start.

- Request bytes that are not a protobuf message answer INVALID_ARGUMENT (not UNKNOWN) on the coordinator, auth,
  the canonicalizer's Status server and the devnet, and leave no traceback in the server's log.
- GUARDIAN_ENV=prod refuses a GUARDIAN_INTERNAL_TOKEN that is blank, padded with whitespace or too short, in one
  line naming the fix; outside prod the same token is a warning (docs/CONFIGURATION.md).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import grpc
import pytest
from google.protobuf.descriptor import FileDescriptor

from guardian.auth.v1 import auth_pb2
from guardian.canonicalizer.v1 import canonicalizer_pb2
from guardian.coordinator.v1 import coordinator_pb2, proposals_pb2
from guardian_testing.fixtures import StartService
from guardian_testing.processes import ServiceProcess, spawn

TOKEN = secrets.token_hex(32)
AUTHORIZED = (("authorization", f"Bearer {TOKEN}"),)
GARBAGE = b"\xff\xff\xff\xff"  # field 15 with wire type 7: no protobuf message starts like this


def methods_of(file_descriptor: FileDescriptor, *services: str) -> list[str]:
    by_name = file_descriptor.services_by_name
    return [f"/{by_name[s].full_name}/{m.name}" for s in services for m in by_name[s].methods]


async def assert_undecodable_is_invalid_argument(process: ServiceProcess, methods: list[str]) -> None:
    async with grpc.aio.insecure_channel(process.grpc_target) as channel:
        for method in methods:
            call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await call(GARBAGE, metadata=AUTHORIZED, timeout=10)
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, caught.value.details())
            assert "not a valid protobuf message" in (caught.value.details() or ""), method
    log = process.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]


async def test_undecodable_requests_are_invalid_argument_on_every_server(start_service: StartService) -> None:
    coordinator = start_service("guardian-coordinator", GUARDIAN_INTERNAL_TOKEN=TOKEN)
    auth = start_service(
        "guardian-auth", GUARDIAN_INTERNAL_TOKEN=TOKEN, GUARDIAN_COORDINATOR_TARGET=coordinator.grpc_target
    )
    devnet = start_service("guardian-devnet")
    canonicalizer = start_service(
        "guardian-canonicalizer",
        GUARDIAN_INTERNAL_TOKEN=TOKEN,
        GUARDIAN_COORDINATOR_TARGET=coordinator.grpc_target,
        GUARDIAN_MIDEN_RPC_ENDPOINT=f"http://{devnet.grpc_target}",
        GUARDIAN_CANONICALIZATION_SHARDS="1",
    )
    health = ["/grpc.health.v1.Health/Check"]
    await assert_undecodable_is_invalid_argument(
        coordinator,
        [
            *methods_of(coordinator_pb2.DESCRIPTOR, "Coordination", "Custody"),
            *methods_of(proposals_pb2.DESCRIPTOR, "DeltaProposals"),
            *health,
        ],
    )
    await assert_undecodable_is_invalid_argument(
        auth, [*methods_of(auth_pb2.DESCRIPTOR, "OperatorAuth", "EvmAuth", "AccountAuth"), *health]
    )
    await assert_undecodable_is_invalid_argument(
        canonicalizer, [*methods_of(canonicalizer_pb2.DESCRIPTOR, "Canonicalizer"), *health]
    )
    await assert_undecodable_is_invalid_argument(devnet, ["/rpc.Api/GetAccount"])


def refusal_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "refusing to start" in line]


# Each service refuses before it contacts anything, so none needs a peer; the targets lead nowhere.
SERVICES = ["guardian-coordinator", "guardian-auth", "guardian-gateway", "guardian-canonicalizer"]
WEAK_TOKENS = [
    pytest.param("   ", "blank", id="spaces"),
    pytest.param("\t \t", "blank", id="tabs"),
    pytest.param(" " + TOKEN + "\n", "whitespace", id="padded"),
    pytest.param("secret-token", "too short", id="short"),
]


@pytest.mark.parametrize("script", SERVICES)
@pytest.mark.parametrize(("token", "named"), WEAK_TOKENS)
def test_prod_refuses_a_weak_internal_token_in_one_line(
    service_log_dir: Path, script: str, token: str, named: str
) -> None:
    env = {
        "GUARDIAN_ENV": "prod",
        "GUARDIAN_INTERNAL_TOKEN": token,
        "GUARDIAN_GRPC_ADDR": "127.0.0.1:0",
        "GUARDIAN_HTTP_ADDR": "127.0.0.1:0",
        "GUARDIAN_COORDINATOR_TARGET": "127.0.0.1:9",
        "GUARDIAN_STARTUP_WAIT_SECONDS": "600",  # the refusal must not wait for the coordinator
        "DATABASE_URL": "postgresql://guardian@127.0.0.1:9/guardian",
    }
    process = spawn(script, env, service_log_dir)
    try:
        code = process.wait_exit(60)
    finally:
        process.stop()  # a service that did not refuse would otherwise outlive the test
    log = process.log_path.read_text(errors="replace")
    assert code == 2, log
    lines = refusal_lines(log)
    assert len(lines) == 1, log
    assert "GUARDIAN_INTERNAL_TOKEN" in lines[0] and named in lines[0], lines[0]
    if named != "whitespace":
        assert "openssl rand -hex 32" in lines[0], lines[0]
    if token.strip():
        assert token.strip() not in lines[0], "the refusal never repeats the token"
    assert "Traceback" not in log


def test_outside_prod_a_weak_token_is_a_warning(start_service: StartService) -> None:
    coordinator = start_service("guardian-coordinator", GUARDIAN_INTERNAL_TOKEN="short-token")
    log = coordinator.log_path.read_text(errors="replace")
    assert "GUARDIAN_INTERNAL_TOKEN is 11 characters, too short to be a secret" in log, log
    assert "continuing: not the prod stage" in log and "refusing to start" not in log
