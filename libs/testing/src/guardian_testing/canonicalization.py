"""A local canonicalization stack for tests, the benchmark and demos.

Client-side steps of the json network (configure an account, submit a merge patch as a candidate),
done through the coordinator's Custody RPCs as the per-account API would; the canonicalizers' write
journal read back from their logs (every write and lease event names its shard lease); and their Status
RPC (which shards each replica holds, with which fences).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import secrets
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import grpc
from prometheus_client.parser import text_string_to_metric_families

from guardian.canonicalizer.v1 import canonicalizer_pb2 as status_pb
from guardian.canonicalizer.v1 import canonicalizer_pb2_grpc as status_grpc
from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian_network import JsonNetwork
from guardian_testing.custody_api import new_account_id

NETWORK = JsonNetwork()
AUTH_JSON = json.dumps({"Ecdsa": {"cosigner_commitments": ["0x" + "0c" * 32]}})
WRITE = re.compile(
    r"write op=(?P<op>\S+) account=(?P<account>\S+) nonce=(?P<nonce>\d+) source=(?P<source>\S+) "
    r"lease=(?P<lease>\S+) holder=(?P<holder>\S+) fence=(?P<fence>\d+) result=(?P<result>\S+) "
    r"outcome=(?P<outcome>\S+) sent=(?P<sent>[0-9.]+)"
)
ACQUIRED = re.compile(
    r"lease acquired name=(?P<lease>\S+) holder=(?P<holder>\S+) fence=(?P<fence>\d+) "
    r"acquired_at=(?P<acquired>\S+) expires_at=(?P<expires>\S+)"
)
RELEASED = re.compile(
    r"lease released name=(?P<lease>\S+) holder=(?P<holder>\S+) fence=(?P<fence>\d+) "
    r"held_until=(?P<until>\S+)"
)


@dataclass
class JsonAccount:
    """An account configured through Custody, and the state its next candidate builds on."""

    account_id: str
    state: dict[str, Any]
    commitment: str
    next_nonce: int = 0


@dataclass(frozen=True)
class Submitted:
    account_id: str
    nonce: int
    prev_commitment: str
    new_commitment: str


async def configure(custody: pb_grpc.CustodyStub, state: dict[str, Any] | None = None) -> JsonAccount:
    account = JsonAccount(new_account_id(), state or {"owner": secrets.token_hex(4)}, "")
    account.commitment = NETWORK.commitment(account.state)
    response = await custody.ConfigureAccount(
        pb.ConfigureAccountRequest(
            account_id=account.account_id,
            auth_json=AUTH_JSON,
            network_config_json="{}",
            initial_state_json=json.dumps(account.state),
            initial_commitment=account.commitment,
        )
    )
    assert response.outcome == pb.CONFIGURE_OUTCOME_CREATED, response
    return account


async def submit(custody: pb_grpc.CustodyStub, account: JsonAccount, patch: dict[str, Any]) -> Submitted:
    """Submits `{"patch": patch}` on the account's current state; the account moves to the new state
    (as a client would, optimistically) so the next call builds on it once this one is canonical."""
    payload = {"patch": patch}
    transition = NETWORK.apply(account.state, payload)
    response = await custody.SubmitCandidate(
        pb.SubmitCandidateRequest(
            account_id=account.account_id,
            nonce=account.next_nonce,
            prev_commitment=account.commitment,
            new_commitment=transition.commitment,
            delta_payload_json=json.dumps(payload),
        )
    )
    assert response.outcome == pb.SUBMIT_OUTCOME_SUBMITTED, response
    submitted = Submitted(account.account_id, account.next_nonce, account.commitment, transition.commitment)
    account.state, account.commitment = transition.new_state, transition.commitment
    account.next_nonce += 1
    return submitted


async def seed_candidates(custody: pb_grpc.CustodyStub, count: int, batch: int = 100) -> list[Submitted]:
    """`count` new accounts with one candidate each (a random balance), created `batch` at a time."""

    async def one() -> Submitted:
        account = await configure(custody)
        return await submit(custody, account, {"balance": random.randint(1, 10**9)})

    seeded: list[Submitted] = []
    for start in range(0, count, batch):
        seeded += await asyncio.gather(*(one() for _ in range(min(batch, count - start))))
    return seeded


async def delta_kind(custody: pb_grpc.CustodyStub, account_id: str, nonce: int) -> str:
    """`candidate` | `canonical` | `retained` | `discarded` | `missing`."""
    got = await custody.GetDelta(pb.GetDeltaRequest(account_id=account_id, nonce=nonce))
    if not got.found:
        return "missing"
    return str(json.loads(got.delta.status_json)["status"])


async def kinds_of(custody: pb_grpc.CustodyStub, submitted: list[Submitted]) -> list[str]:
    """`delta_kind` of each submitted candidate, in order."""
    return list(await asyncio.gather(*(delta_kind(custody, s.account_id, s.nonce) for s in submitted)))


async def all_of_kind(custody: pb_grpc.CustodyStub, submitted: list[Submitted], kind: str) -> bool:
    return set(await kinds_of(custody, submitted)) == {kind}


METRICS_LINE = re.compile(r"metrics=(?P<url>http://\S+)")


def metrics_url(process: Any) -> str:
    """The Prometheus URL a replica started with GUARDIAN_METRICS_ENABLED=true announced."""
    found = METRICS_LINE.search(process.read_until(METRICS_LINE.pattern))
    assert found is not None
    return found["url"]


async def metric(url: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` (with these labels) that the replica serves now."""

    def scrape() -> str:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode())

    text = await asyncio.to_thread(scrape)
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


async def status(target: str) -> status_pb.StatusResponse:
    async with grpc.aio.insecure_channel(target) as channel:
        response: status_pb.StatusResponse = await status_grpc.CanonicalizerStub(channel).Status(
            status_pb.StatusRequest(), timeout=5
        )
        return response


@dataclass(frozen=True)
class JournalWrite:
    op: str
    account_id: str
    nonce: int
    lease: str  # the shard lease name the write was fenced by
    holder: str
    fence: int
    result: str
    outcome: str
    sent: float  # the writer's time.monotonic() when it sent the write


@dataclass(frozen=True)
class JournalLease:
    lease: str
    holder: str
    fence: int
    acquired_at: datetime  # database clock
    expires_at: datetime


@dataclass(frozen=True)
class JournalRelease:
    lease: str
    holder: str
    fence: int
    held_until: datetime  # the expiry the lease had before the release (database clock)


@dataclass
class Journal:
    writes: list[JournalWrite]
    leases: list[JournalLease]
    releases: list[JournalRelease]

    @property
    def promotions(self) -> list[JournalWrite]:
        """The promotions the coordinator applied."""
        return [w for w in self.writes if w.op == "promote" and w.result == "applied"]


def read_journal(*log_paths: Path) -> Journal:
    journal = Journal([], [], [])
    for path in log_paths:
        _read_one(path, journal)
    return journal


def _read_one(log_path: Path, journal: Journal) -> None:
    writes, leases, releases = journal.writes, journal.leases, journal.releases
    for line in log_path.read_text(errors="replace").splitlines():
        if m := WRITE.search(line):
            writes.append(
                JournalWrite(
                    m["op"],
                    m["account"],
                    int(m["nonce"]),
                    m["lease"],
                    m["holder"],
                    int(m["fence"]),
                    m["result"],
                    m["outcome"],
                    float(m["sent"]),
                )
            )
        elif m := ACQUIRED.search(line):
            leases.append(
                JournalLease(
                    m["lease"],
                    m["holder"],
                    int(m["fence"]),
                    datetime.fromisoformat(m["acquired"]),
                    datetime.fromisoformat(m["expires"]),
                )
            )
        elif m := RELEASED.search(line):
            releases.append(
                JournalRelease(m["lease"], m["holder"], int(m["fence"]), datetime.fromisoformat(m["until"]))
            )


class Starter(Protocol):
    def __call__(self, script: str, count: int, name: str | None = None, **env: str) -> list[Any]: ...


def canonicalizer_env(coordinator_target: str, chain_grpc: str, **overrides: str) -> dict[str, str]:
    """Sub-second cadence for tests and the benchmark (the defaults are production's)."""
    env = {
        "GUARDIAN_COORDINATOR_TARGET": coordinator_target,
        "GUARDIAN_MIDEN_RPC_ENDPOINT": f"http://{chain_grpc}",
        "GUARDIAN_MIDEN_RPC_TIMEOUT_MS": "500",
        "GUARDIAN_COORDINATOR_DEADLINE_SECONDS": "2",
        "GUARDIAN_CANONICALIZATION_CHECK_INTERVAL_SECONDS": "1",
        "GUARDIAN_CANONICALIZATION_FAST_PROMOTION_INTERVAL_SECONDS": "0.25",
        "GUARDIAN_CANONICALIZATION_LEASE_TTL_SECONDS": "1.5",
        "GUARDIAN_CANONICALIZATION_RENEW_INTERVAL_SECONDS": "0.3",
        "GUARDIAN_CANONICALIZATION_RECONCILE_INTERVAL_SECONDS": "1",
    }
    env.update(overrides)
    return env


@dataclass
class Stack:
    """Coordinators on one database, a devnet, and canonicalizer replicas (processes of the starter)."""

    replicas: Starter
    coordinators: list[Any]
    devnet: Any
    canonicalizers: list[Any]
    env: dict[str, str]

    @property
    def coordinator_target(self) -> str:
        return "ipv4:" + ",".join(p.grpc_target for p in self.coordinators)

    @property
    def devnet_url(self) -> str:
        return f"http://{self.devnet.addresses['http']}"

    def add_canonicalizers(self, count: int, name: str = "guardian-canonicalizer", **env: str) -> list[Any]:
        started = self.replicas("guardian-canonicalizer", count, name, **{**self.env, **env})
        self.canonicalizers.extend(started)
        return started

    @property
    def shard_count(self) -> int:
        return int(self.env.get("GUARDIAN_CANONICALIZATION_SHARDS", "16"))

    async def statuses(self) -> list[tuple[Any, status_pb.StatusResponse]]:
        """The Status of every live replica that answers."""
        found = []
        for process in self.canonicalizers:
            if process.popen.poll() is not None:
                continue
            try:
                found.append((process, await status(process.grpc_target)))
            except grpc.aio.AioRpcError:
                continue
        return found

    async def holders(self) -> dict[int, list[tuple[Any, int]]]:
        """Shard index → the live replicas that report holding it, with their fences."""
        held: dict[int, list[tuple[Any, int]]] = {}
        for process, reported in await self.statuses():
            for shard in reported.shards:
                held.setdefault(shard.index, []).append((process, shard.fence_token))
        return held

    async def wait_for_shards(
        self,
        what: str = "every shard held",
        *,
        among: list[Any] | None = None,
        above: dict[int, int] | None = None,
        within: float = 60.0,
        every: float = 0.1,
    ) -> dict[int, tuple[Any, int]]:
        """Waits until every shard is held by exactly one live replica (of `among`, if given; with a
        fence above `above[index]`, if given) and returns index → (replica, fence)."""
        found: dict[int, tuple[Any, int]] = {}

        async def covered() -> bool:
            nonlocal found
            held = await self.holders()
            if set(held) != set(range(self.shard_count)) or any(len(h) != 1 for h in held.values()):
                return False
            found = {index: h[0] for index, h in held.items()}
            if among is not None and any(p not in among for p, _ in found.values()):
                return False
            return above is None or all(found[i][1] > fence for i, fence in above.items())

        await wait_until(covered, what, within, every)
        return found

    async def leader(self) -> tuple[Any, status_pb.StatusResponse] | None:
        """A live replica that holds at least one shard (with S = 1: the leader), if any."""
        for process, reported in await self.statuses():
            if reported.role == "leader":
                return process, reported
        return None

    async def wait_for_leader(
        self, what: str = "a leader", *, above: int | None = None, within: float = 60.0, every: float = 0.1
    ) -> tuple[Any, status_pb.StatusResponse]:
        """Waits until a live replica reports itself leader (with a fence above `above`, if given)."""
        found: tuple[Any, status_pb.StatusResponse] | None = None

        async def leading() -> bool:
            nonlocal found
            found = await self.leader()
            return found is not None and (above is None or found[1].fence_token > above)

        await wait_until(leading, what, within, every)
        assert found is not None
        return found

    def journal(self) -> Journal:
        return read_journal(*(p.log_path for p in self.canonicalizers))


def start_stack(
    replicas: Starter,
    database_url: str,
    *,
    coordinators: int = 2,
    canonicalizers: int = 3,
    coordinator_env: dict[str, str] | None = None,
    canonicalizer_overrides: dict[str, str] | None = None,
    **overrides: str,
) -> Stack:
    """Coordinators, a devnet and canonicalizers; `canonicalizer_overrides` and `overrides` both set the
    canonicalizers' environment (the mapping for settings a test builds up front)."""
    coordinator_processes = replicas(
        "guardian-coordinator", coordinators, DATABASE_URL=database_url, **(coordinator_env or {})
    )
    devnet = replicas("guardian-devnet", 1)[0]
    target = "ipv4:" + ",".join(p.grpc_target for p in coordinator_processes)
    env = canonicalizer_env(
        target, devnet.addresses["grpc"], **{**(canonicalizer_overrides or {}), **overrides}
    )
    stack = Stack(replicas, coordinator_processes, devnet, [], env)
    stack.add_canonicalizers(canonicalizers)
    return stack


async def wait_until(
    check: Callable[[], Awaitable[bool]], what: str, within: float = 60.0, every: float = 0.1
) -> None:
    """Polls an observable condition until it holds; fails with `what` after `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:g}s waiting for {what}")
        await asyncio.sleep(every)
