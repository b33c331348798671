"""A whole stack of real processes on loopback: coordinators, auth replicas and gateways."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from guardian_testing.custody_api import write_ack_key, write_falcon_ack_key
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.identities import OperatorIdentity
from guardian_testing.processes import ServiceProcess


def write_allowlist(path: Path, entries: list[tuple[OperatorIdentity, list[str]]]) -> None:
    document = [{"public_key": op.public_key_hex, "permissions": perms} for op, perms in entries]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document))
    tmp.replace(path)  # atomic: a reader never sees half a file


@dataclass
class Fleet:
    coordinators: list[ServiceProcess]
    auth: list[ServiceProcess]
    gateways: list[ServiceProcess]
    allowlist: Path
    env: dict[str, str] = field(default_factory=dict)

    def gateway_url(self, index: int) -> str:
        return f"http://{self.gateways[index % len(self.gateways)].addresses['http']}"

    @property
    def coordinator_target(self) -> str:
        return "ipv4:" + ",".join(p.grpc_target for p in self.coordinators)


def start_fleet(
    starter: ServiceStarter,
    *,
    database_url: str,
    allowlist: Path,
    coordinators: int = 2,
    auth: int = 2,
    gateways: int = 2,
    env: dict[str, str] | None = None,
) -> Fleet:
    """Gateway i talks to auth replica i (so consecutive gateways mean different auth replicas)."""
    common = dict(env or {})
    coordinator_processes = starter.replicas(
        "guardian-coordinator", coordinators, DATABASE_URL=database_url, **common
    )
    target = "ipv4:" + ",".join(p.grpc_target for p in coordinator_processes)
    auth_processes = starter.replicas(
        "guardian-auth",
        auth,
        GUARDIAN_COORDINATOR_TARGET=target,
        GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE=str(allowlist),
        **common,
    )
    gateway_processes = [
        starter.one(
            "guardian-gateway",
            f"guardian-gateway-{i}",
            GUARDIAN_COORDINATOR_TARGET=target,
            GUARDIAN_AUTH_TARGET=auth_processes[i % auth].grpc_target,
            **common,
        )
        for i in range(gateways)
    ]
    return Fleet(coordinator_processes, auth_processes, gateway_processes, allowlist, common)


def start_custody_fleet(
    starter: ServiceStarter,
    *,
    database_url: str,
    directory: Path,
    operators: list[tuple[OperatorIdentity, list[str]]] | None = None,
    env: dict[str, str] | None = None,
    **sizes: int,
) -> Fleet:
    """A fleet for the per-account API: the ECDSA and Falcon ack keys and an allowlist (empty unless
    `operators`) written to `directory`, the rate limiter off (the tests send bursts on purpose); `sizes` as for start_fleet."""
    allowlist = directory / "operators.json"
    write_allowlist(allowlist, operators or [])
    custody_env = {
        "GUARDIAN_RATE_LIMIT_ENABLED": "false",
        "GUARDIAN_ACK_ECDSA_KEY_FILE": str(write_ack_key(directory)),
        "GUARDIAN_ACK_FALCON_KEY_FILE": str(write_falcon_ack_key(directory)),
        **(env or {}),
    }
    return start_fleet(starter, database_url=database_url, allowlist=allowlist, env=custody_env, **sizes)


def custody_fleet_fixture(
    name: str,
    *,
    operators: Callable[[], list[tuple[OperatorIdentity, list[str]]]] | None = None,
    env: dict[str, str] | None = None,
    **sizes: int,
) -> Callable[..., Fleet]:
    """A module-scoped fixture starting start_custody_fleet on the run's database, its files in a temporary
    folder named `name`; `operators` is called when the fixture runs. Assign it in a test module:
    `fleet = custody_fleet_fixture("lookup", coordinators=1)`."""

    @pytest.fixture(scope="module")
    def fleet(
        module_services: ServiceStarter, run_database_url: str, tmp_path_factory: pytest.TempPathFactory
    ) -> Fleet:
        return start_custody_fleet(
            module_services,
            database_url=run_database_url,
            directory=tmp_path_factory.mktemp(name),
            operators=operators() if operators else None,
            env=env,
            **sizes,
        )

    return fleet
