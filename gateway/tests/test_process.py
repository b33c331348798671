"""The gateway as a real process: startup lines, guards, probes, a login round trip over real HTTP, the
body cap on a real server, and the SIGTERM drain."""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from guardian_testing.fixtures import StartService
from guardian_testing.processes import ServiceProcess, spawn

if TYPE_CHECKING:
    from .conftest import ScriptedAuth

SECRET = "ab" * 32


StartGateway = Callable[..., ServiceProcess]


@pytest.fixture
def start_gateway(
    start_service: StartService, fake_auth: ScriptedAuth, coordinator_target: str
) -> StartGateway:
    """`start_gateway(GUARDIAN_MAX_REPLICAS="3")`: a gateway process wired to the scripted auth and the
    module's coordinator."""

    def start(**env: str) -> ServiceProcess:
        return start_service(
            "guardian-gateway",
            GUARDIAN_AUTH_TARGET=fake_auth.target,
            GUARDIAN_COORDINATOR_TARGET=coordinator_target,
            **env,
        )

    return start


def gateway_url(process: ServiceProcess) -> str:
    return f"http://{process.addresses['http']}"


def refused(log_dir: Path, **env: str) -> str:
    """Runs a gateway that must refuse to start; returns its log."""
    process = spawn("guardian-gateway", {"GUARDIAN_HTTP_ADDR": "127.0.0.1:0", **env}, log_dir)
    assert process.wait_exit(60) == 2
    assert not any("listening" in line for line in process.lines)
    log = process.log()
    assert "refusing to start" in log
    return log


async def test_startup_lines_and_probes(start_gateway: StartGateway) -> None:
    process = start_gateway()
    host, _, port = process.addresses["http"].rpartition(":")
    assert host == "127.0.0.1" and int(port) > 0
    assert process.read_until(r"^coordination ") == (
        "coordination mode=single-process backend=memory stage=non-prod max_replicas=1 "
        "cursor_secret=ephemeral"
    )
    assert sum(line.startswith("coordination ") for line in process.lines) == 1
    log = process.log()
    assert "GUARDIAN_DASHBOARD_CURSOR_SECRET is not set" in log
    assert "GUARDIAN_INTERNAL_TOKEN is not set" in log and "single-process mode" in log

    async with httpx.AsyncClient(base_url=gateway_url(process)) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {
            "coordinator": "serving",
            "auth": "serving",
        }
        assert (await client.get("/status")).json()["status"] == "ok"


async def test_configured_cursor_secret_and_replicas_in_the_line(start_gateway: StartGateway) -> None:
    process = start_gateway(
        GUARDIAN_DASHBOARD_CURSOR_SECRET=f" 0x{SECRET} ",
        GUARDIAN_MAX_REPLICAS="3",
    )
    assert process.read_until(r"^coordination ").endswith(" max_replicas=3 cursor_secret=configured")


async def test_login_round_trip_through_the_process(
    start_gateway: StartGateway, fake_auth: ScriptedAuth
) -> None:
    process = start_gateway()
    async with httpx.AsyncClient(base_url=gateway_url(process)) as client:
        challenge = await client.get("/auth/challenge", params={"commitment": fake_auth.COMMITMENT})
        assert challenge.status_code == 200 and challenge.json()["success"] is True
        verify = await client.post(
            "/auth/verify",
            json={"commitment": fake_auth.COMMITMENT, "signature": fake_auth.GOOD_FALCON_SIGNATURE},
        )
        assert verify.status_code == 200
        assert verify.headers["set-cookie"].startswith(
            f"guardian_operator_session={fake_auth.OPERATOR_TOKEN}; HttpOnly"
        )
        session = await client.get(
            "/dashboard/session", headers={"cookie": f"guardian_operator_session={fake_auth.OPERATOR_TOKEN}"}
        )
        assert session.json()["operator_id"] == fake_auth.COMMITMENT
        logout = await client.post(
            "/auth/logout", headers={"cookie": f"guardian_operator_session={fake_auth.OPERATOR_TOKEN}"}
        )
        assert logout.status_code == 200 and "Max-Age=0" in logout.headers["set-cookie"]
        after = await client.get(
            "/dashboard/session", headers={"cookie": f"guardian_operator_session={fake_auth.OPERATOR_TOKEN}"}
        )
        assert after.status_code == 401
    assert [name for name, _ in fake_auth.calls] == [
        "OperatorAuth/IssueChallenge",
        "OperatorAuth/Verify",
        "OperatorAuth/Authenticate",
        "OperatorAuth/Logout",
        "OperatorAuth/Authenticate",
    ]


async def test_real_server_caps_chunked_bodies_and_limits_by_peer(start_gateway: StartGateway) -> None:
    process = start_gateway(
        GUARDIAN_MAX_SMALL_REQUEST_BYTES="1000",
        GUARDIAN_RATE_BURST_PER_SEC="1000",
        GUARDIAN_RATE_PER_MIN="3",
    )

    async def big_body() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 500

    async with httpx.AsyncClient(base_url=gateway_url(process)) as client:
        too_big = await client.post(
            "/auth/verify", content=big_body(), headers={"content-type": "application/json"}
        )
        assert too_big.status_code == 413 and too_big.json()["code"] == "payload_too_large"
        assert too_big.request.headers["transfer-encoding"] == "chunked"
        # the refused upload counted: the limiter sits outside the body limit
        statuses = [(await client.get("/status")).status_code for _ in range(2)]
        refused_response = await client.get("/status")
        other_client = await client.get("/status", headers={"x-forwarded-for": "198.51.100.4"})
    assert statuses == [200, 200]
    assert refused_response.status_code == 429 and refused_response.headers["retry-after"] == "60"
    assert other_client.status_code == 200


async def test_sigterm_lets_the_request_in_flight_finish_and_exits_zero(
    start_gateway: StartGateway, fake_auth: ScriptedAuth
) -> None:
    process = start_gateway()
    held = fake_auth.hold("OperatorAuth/IssueChallenge")
    async with httpx.AsyncClient(base_url=gateway_url(process)) as client:
        in_flight = asyncio.create_task(client.get("/auth/challenge", params={"commitment": "c"}))
        await held.entered.wait()
        process.signal(signal.SIGTERM)
        held.release.set()
        response = await in_flight
    assert response.status_code == 200 and response.json()["challenge"]["commitment"] == "c"
    assert await asyncio.to_thread(process.wait_exit, 30) == 0
    assert "received SIGTERM" in process.log()


async def test_sigterm_with_a_drain_delay_turns_readiness_off_first_and_keeps_serving(
    start_gateway: StartGateway,
) -> None:
    """GUARDIAN_DRAIN_DELAY_SECONDS: after SIGTERM /readyz answers 503 `draining` while other requests are
    still answered, so a load balancer stops routing here before connections close."""
    process = start_gateway(GUARDIAN_DRAIN_DELAY_SECONDS="30")
    async with httpx.AsyncClient(base_url=gateway_url(process)) as client:
        assert (await client.get("/readyz")).status_code == 200
        process.signal(signal.SIGTERM)
        deadline = asyncio.get_running_loop().time() + 30
        while (ready := await client.get("/readyz")).status_code == 200:
            assert asyncio.get_running_loop().time() < deadline, "still ready after SIGTERM"
            await asyncio.sleep(0.05)
        assert ready.status_code == 503, ready.text
        assert ready.json()["meta"]["checks"] == {"gateway": "draining"}
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/auth/challenge", params={"commitment": "c"})).status_code == 200
    process.signal(signal.SIGKILL)
    await asyncio.to_thread(process.wait_exit, 30)
    assert "not ready, serving for 30" in process.log()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GUARDIAN_DASHBOARD_CURSOR_SECRET": "not-hex"}, "GUARDIAN_DASHBOARD_CURSOR_SECRET is malformed"),
        ({"GUARDIAN_CORS_ALLOWED_ORIGINS": "*"}, "GUARDIAN_CORS_ALLOWED_ORIGINS contains '*'"),
        ({"GUARDIAN_RATE_PER_MIN": "lots"}, "GUARDIAN_RATE_PER_MIN='lots'"),
        ({"GUARDIAN_ENV": "prod"}, "GUARDIAN_INTERNAL_TOKEN is not set"),
        (
            {
                "GUARDIAN_ENV": "prod",
                "GUARDIAN_INTERNAL_TOKEN": "0123456789abcdef0123456789abcdef",
                "GUARDIAN_MAX_REPLICAS": "0",
            },
            "GUARDIAN_MAX_REPLICAS='0' is not a positive integer",
        ),
        (
            {
                "GUARDIAN_ENV": "prod",
                "GUARDIAN_INTERNAL_TOKEN": "0123456789abcdef0123456789abcdef",
                "GUARDIAN_MAX_REPLICAS": "20",
            },
            "rate limiting partitions to zero",
        ),
    ],
)
def test_misconfiguration_refuses_before_contacting_anything(
    service_log_dir: Path, env: dict[str, str], expected: str
) -> None:
    log = refused(service_log_dir, GUARDIAN_COORDINATOR_TARGET="127.0.0.1:9", **env)
    assert expected in log


def test_prod_refuses_a_memory_coordinator(service_log_dir: Path, coordinator_target: str) -> None:
    log = refused(
        service_log_dir,
        GUARDIAN_ENV="prod",
        GUARDIAN_INTERNAL_TOKEN="0123456789abcdef0123456789abcdef",
        GUARDIAN_COORDINATOR_TARGET=coordinator_target,
    )
    assert "single-process mode" in log and "DATABASE_URL" in log


def test_unreachable_coordinator_refuses_with_the_fix(service_log_dir: Path) -> None:
    log = refused(
        service_log_dir, GUARDIAN_COORDINATOR_TARGET="127.0.0.1:9", GUARDIAN_STARTUP_WAIT_SECONDS="0.5"
    )
    assert "the coordinator did not answer within 0.5s" in log and "GUARDIAN_INTERNAL_TOKEN" in log


def test_a_taken_port_refuses_with_the_fix(service_log_dir: Path, coordinator_target: str) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        address = f"127.0.0.1:{holder.getsockname()[1]}"
        log = refused(
            service_log_dir, GUARDIAN_COORDINATOR_TARGET=coordinator_target, GUARDIAN_HTTP_ADDR=address
        )
    assert f"cannot listen on GUARDIAN_HTTP_ADDR='{address}'" in log
