"""EVM smart accounts and multisig proposals end to end (docs/contracts/auth.md §3.7): a real anvil node with
the ERC-4337 EntryPoint, an ERC-7579 account and the multisig validator (guardian_testing.evm_node), and a
fleet of 2 coordinators, 2 auth replicas and 2 gateways on one PostgreSQL. Consecutive steps of a flow go
to different gateways. The signatures the service hands out are submitted to the EntryPoint, which runs
the operation on chain only when they satisfy the validator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from guardian.coordinator.v1 import evm_pb2 as pb
from guardian.coordinator.v1 import evm_pb2_grpc
from guardian_client import EVM_COOKIE, NO_RETRY, OPERATOR_COOKIE, LoginClient
from guardian_testing.canonicalization import wait_until
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.evm_node import EvmFixture, EvmNode, Wallet, deploy_fixture, user_op_events
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import Fleet, start_fleet, write_allowlist
from guardian_testing.identities import WalletIdentity, operators

pytestmark = pytest.mark.slow

SPARE_CHAIN = 31338  # a second node of our own, which the node-down test kills
UNSUPPORTED_CHAIN = 999_999


@pytest.fixture(scope="module")
def spare_node(service_log_dir: Path) -> Iterator[EvmNode]:
    node = EvmNode.start(chain_id=SPARE_CHAIN, log_dir=service_log_dir)
    yield node
    node.stop()


@pytest.fixture(scope="module")
def fleet(
    module_services: ServiceStarter,
    run_database_url: str,
    evm_node: EvmNode,
    spare_node: EvmNode,
    tmp_path_factory: pytest.TempPathFactory,
) -> Fleet:
    allowlist = tmp_path_factory.mktemp("evm") / "operators.json"
    write_allowlist(allowlist, [(operators()[0], ["dashboard:read", "accounts:pause"])])
    return start_fleet(
        module_services,
        database_url=run_database_url,
        allowlist=allowlist,
        env={
            "GUARDIAN_RATE_LIMIT_ENABLED": "false",
            "GUARDIAN_EVM_RPC_URLS": f"{evm_node.chain_id}={evm_node.rpc_url},{SPARE_CHAIN}={spare_node.rpc_url}",
            "GUARDIAN_EVM_RPC_TIMEOUT_SECS": "2",
        },
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture
async def coordinator(fleet: Fleet) -> AsyncIterator[evm_pb2_grpc.EvmProposalsStub]:
    async with CoordinatorClient(fleet.coordinator_target) as client:
        yield evm_pb2_grpc.EvmProposalsStub(client.channel)


@dataclass
class Signer:
    """A dev wallet logged in through the gateways, calling the EVM routes on gateway `index` by default."""

    wallet: Wallet
    token: str
    http: httpx.AsyncClient
    fleet: Fleet

    @property
    def address(self) -> str:
        return self.wallet.address.lower()

    def sign(self, user_op_hash: bytes) -> str:
        return "0x" + EvmFixture.sign(user_op_hash, self.wallet.private_key).hex()

    async def call(self, gateway: int, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"cookie": f"{EVM_COOKIE}={self.token}", **kwargs.pop("headers", {})}
        return await self.http.request(
            method, self.fleet.gateway_url(gateway) + path, headers=headers, **kwargs
        )


async def login(http: httpx.AsyncClient, fleet: Fleet, wallet: Wallet, first: int = 0) -> Signer:
    identity = WalletIdentity(bytes.fromhex(wallet.private_key.removeprefix("0x")), wallet.address.lower())
    urls = [fleet.gateway_url(first), fleet.gateway_url(first + 1)]
    async with httpx.AsyncClient(timeout=30) as own:  # its cookie jar must not feed the shared client's
        session = await LoginClient(urls, http=own, retry=NO_RETRY).wallet_login(identity)
    return Signer(wallet, session.token, http, fleet)


def envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and isinstance(body["meta"]["retryable"], bool)
    return body


@dataclass
class Setup:
    chain: EvmFixture
    account: str
    account_id: str
    signers: list[Signer]


async def setup(
    http: httpx.AsyncClient,
    fleet: Fleet,
    chain: EvmFixture,
    count: int,
    threshold: int,
    first_wallet: int = 1,
) -> Setup:
    wallets = chain.wallets[first_wallet : first_wallet + count]
    account = chain.deploy_account([w.address for w in wallets], threshold)
    signers = [await login(http, fleet, w, i) for i, w in enumerate(wallets)]
    registered = await signers[0].call(
        1,
        "POST",
        "/evm/accounts",
        json={
            "chain_id": chain.chain_id,
            "account_address": account,
            "multisig_validator_address": chain.validator,
        },
    )
    assert registered.status_code == 200, registered.text
    body = registered.json()
    assert body["signers"] == [w.address.lower() for w in wallets] and body["threshold"] == threshold
    return Setup(chain, account, body["account_id"], signers)


async def propose(s: Setup, proposer: Signer, gateway: int = 0, ttl: int = 600) -> tuple[dict[str, Any], Any]:
    op = s.chain.user_operation(s.account, s.chain.counter_increment_calldata())
    created = await proposer.call(
        gateway,
        "POST",
        "/evm/proposals",
        json={
            "account_id": s.account_id,
            "user_op_hash": "0x" + op.hash.hex(),
            "payload": json.dumps(op.to_json()),
            "nonce": str(op.nonce),
            "ttl_seconds": ttl,
            "signature": proposer.sign(op.hash),
        },
    )
    assert created.status_code == 200, created.text
    return created.json(), op


async def approve(s: Setup, signer: Signer, proposal: dict[str, Any], gateway: int) -> httpx.Response:
    return await signer.call(
        gateway,
        "POST",
        f"/evm/proposals/{proposal['proposal_id']}/approve",
        json={
            "account_id": s.account_id,
            "signature": signer.sign(bytes.fromhex(proposal["user_op_hash"][2:])),
        },
    )


async def test_threshold_signatures_collected_on_two_gateways_execute_on_chain(
    http: httpx.AsyncClient, fleet: Fleet, evm_fixture: EvmFixture
) -> None:
    s = await setup(http, fleet, evm_fixture, count=3, threshold=2)
    a, b, c = s.signers
    proposal, op = await propose(s, a, gateway=0)
    assert proposal["proposer"] == a.address and proposal["threshold"] == 2
    assert proposal["signer_snapshot"] == [x.address for x in s.signers]
    assert proposal["nonce"] == str(op.nonce) and proposal["nonce_key"] == str(op.nonce >> 64)
    pid, query = proposal["proposal_id"], {"account_id": s.account_id}

    not_yet = await c.call(1, "GET", f"/evm/proposals/{pid}/executable", params=query)
    envelope(not_yet, 400, "insufficient_signatures")
    approved = await approve(s, b, proposal, gateway=1)
    assert approved.status_code == 200, approved.text
    assert [x["signer"] for x in approved.json()["signatures"]] == [a.address, b.address]
    envelope(await approve(s, b, proposal, gateway=0), 409, "proposal_already_signed")

    listed = await c.call(0, "GET", "/evm/proposals", params=query)
    assert [p["proposal_id"] for p in listed.json()["proposals"]] == [pid]
    executable = await c.call(1, "GET", f"/evm/proposals/{pid}/executable", params=query)
    assert executable.status_code == 200, executable.text
    bundle = executable.json()
    assert bundle["hash"] == "0x" + op.hash.hex() and bundle["signers"] == [a.address, b.address]
    assert json.loads(bundle["payload"]) == op.to_json()

    before = evm_fixture.counter_value()
    signatures = [bytes.fromhex(x[2:]) for x in bundle["signatures"]]
    receipt = evm_fixture.handle_ops(op, evm_fixture.encode_signatures(bundle["signers"], signatures))
    assert user_op_events(receipt) == [(op.hash, True)]
    assert evm_fixture.counter_value() == before + 1

    # The EntryPoint nonce moved past the proposal: listing prunes it, and it is gone on every gateway.
    after = await a.call(1, "GET", "/evm/proposals", params=query)
    assert after.json() == {"proposals": []}
    envelope(await b.call(0, "GET", f"/evm/proposals/{pid}", params=query), 404, "proposal_not_found")


async def test_under_threshold_or_forged_signature_sets_are_refused_on_chain(
    http: httpx.AsyncClient, fleet: Fleet, evm_fixture: EvmFixture
) -> None:
    s = await setup(http, fleet, evm_fixture, count=3, threshold=2, first_wallet=4)
    a, b, _ = s.signers
    proposal, op = await propose(s, a, gateway=1)
    before = evm_fixture.counter_value()
    one = evm_fixture.encode_signatures(
        [a.address], [bytes.fromhex(proposal["signatures"][0]["signature"][2:])]
    )
    assert evm_fixture.handle_ops(op, one)["status"] in (0, "0x0")
    outsider = evm_fixture.wallets[9]
    forged = evm_fixture.encode_signatures(
        [a.address, b.address],
        [
            bytes.fromhex(proposal["signatures"][0]["signature"][2:]),
            evm_fixture.sign(op.hash, outsider.private_key),
        ],
    )
    assert evm_fixture.handle_ops(op, forged)["status"] in (0, "0x0")
    assert evm_fixture.counter_value() == before


async def test_concurrent_approvals_on_two_gateways(
    http: httpx.AsyncClient, fleet: Fleet, evm_fixture: EvmFixture
) -> None:
    s = await setup(http, fleet, evm_fixture, count=4, threshold=4, first_wallet=1)
    a, b, c, d = s.signers
    proposal, _ = await propose(s, a)
    both = await asyncio.gather(approve(s, b, proposal, 0), approve(s, c, proposal, 1))
    assert [r.status_code for r in both] == [200, 200], [r.text for r in both]
    twice = await asyncio.gather(approve(s, d, proposal, 0), approve(s, d, proposal, 1))
    assert sorted(r.status_code for r in twice) == [200, 409], [r.text for r in twice]
    got = await a.call(
        1, "GET", f"/evm/proposals/{proposal['proposal_id']}", params={"account_id": s.account_id}
    )
    assert sorted(x["signer"] for x in got.json()["signatures"]) == sorted(x.address for x in s.signers)


async def test_identical_create_returns_the_proposal_and_cancel_is_the_proposers(
    http: httpx.AsyncClient, fleet: Fleet, evm_fixture: EvmFixture
) -> None:
    s = await setup(http, fleet, evm_fixture, count=2, threshold=2, first_wallet=6)
    a, b = s.signers
    proposal, _ = await propose(s, a, gateway=0)
    again, _ = await propose(s, a, gateway=1)
    assert again == proposal
    pid, body = proposal["proposal_id"], {"account_id": s.account_id}
    envelope(await b.call(0, "POST", f"/evm/proposals/{pid}/cancel", json=body), 403, "authorization_failed")
    cancelled = await a.call(1, "POST", f"/evm/proposals/{pid}/cancel", json=body)
    assert cancelled.status_code == 200 and cancelled.json() == {"success": True}
    envelope(await b.call(0, "GET", f"/evm/proposals/{pid}", params=body), 404, "proposal_not_found")
    envelope(await a.call(1, "POST", f"/evm/proposals/{pid}/cancel", json=body), 404, "proposal_not_found")


async def test_non_signers_and_bad_input_get_envelopes_and_change_nothing(
    http: httpx.AsyncClient,
    fleet: Fleet,
    evm_fixture: EvmFixture,
    coordinator: evm_pb2_grpc.EvmProposalsStub,
) -> None:
    s = await setup(http, fleet, evm_fixture, count=2, threshold=2, first_wallet=2)
    a, b = s.signers
    outsider = await login(http, fleet, evm_fixture.wallets[8])
    proposal, op = await propose(s, a)
    pid, query = proposal["proposal_id"], {"account_id": s.account_id}
    register = {
        "chain_id": evm_fixture.chain_id,
        "account_address": s.account,
        "multisig_validator_address": evm_fixture.validator,
    }

    envelope(await outsider.call(0, "POST", "/evm/accounts", json=register), 403, "signer_not_authorized")
    envelope(await outsider.call(1, "GET", "/evm/proposals", params=query), 403, "signer_not_authorized")
    envelope(
        await outsider.call(0, "GET", f"/evm/proposals/{pid}", params=query), 403, "signer_not_authorized"
    )
    outsider_sig = {"account_id": s.account_id, "signature": outsider.sign(op.hash)}
    envelope(
        await outsider.call(1, "POST", f"/evm/proposals/{pid}/approve", json=outsider_sig),
        403,
        "signer_not_authorized",
    )
    # b approves with a signature made by someone else's key.
    wrong_key = {"account_id": s.account_id, "signature": outsider.sign(op.hash)}
    envelope(
        await b.call(0, "POST", f"/evm/proposals/{pid}/approve", json=wrong_key),
        400,
        "invalid_proposal_signature",
    )
    for bad in ("0x1234", "0x" + "zz" * 65, "12" * 65, 7):
        envelope(
            await b.call(
                1,
                "POST",
                f"/evm/proposals/{pid}/approve",
                json={"account_id": s.account_id, "signature": bad},
            ),
            400,
            "invalid_evm_proposal",
        )
    create = {
        "account_id": s.account_id,
        "user_op_hash": "0x" + op.hash.hex(),
        "payload": "{}",
        "nonce": str(op.nonce),
        "ttl_seconds": 60,
        "signature": a.sign(op.hash),
    }
    for field, value in [
        ("user_op_hash", "0x1234"),
        ("nonce", "-1"),
        ("nonce", "0x" + "f" * 65),
        ("ttl_seconds", 0),
        ("signature", "0x00"),
    ]:
        envelope(
            await a.call(0, "POST", "/evm/proposals", json={**create, field: value}),
            400,
            "invalid_evm_proposal",
        )
    envelope(await a.call(0, "GET", "/evm/proposals/0x12", params=query), 400, "invalid_evm_proposal")
    envelope(await a.call(0, "GET", "/evm/proposals", params={}), 400, "invalid_input")
    envelope(
        await a.call(0, "GET", "/evm/proposals", params={"account_id": "evm:1:nope"}), 400, "invalid_input"
    )
    missing = {"account_id": f"evm:{evm_fixture.chain_id}:0x" + "00" * 20}
    envelope(await a.call(1, "GET", "/evm/proposals", params=missing), 404, "account_not_found")
    envelope(
        await a.call(1, "POST", "/evm/accounts", json={**register, "chain_id": UNSUPPORTED_CHAIN}),
        400,
        "unsupported_evm_chain",
    )
    envelope(
        await a.call(1, "POST", "/evm/accounts", json={**register, "chain_id": "1"}), 400, "invalid_input"
    )
    envelope(
        await a.call(0, "POST", "/evm/accounts", json={**register, "account_address": "0x12"}),
        400,
        "invalid_input",
    )
    envelope(
        await a.call(0, "POST", "/evm/accounts", content=b"not json", headers={"content-type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    anonymous = await http.get(fleet.gateway_url(0) + "/evm/proposals", params=query)
    envelope(anonymous, 401, "authentication_failed")

    # Every new route: a body that is not JSON, not an object, or lacks account_id; a GET without it.
    for path in (
        "/evm/accounts",
        "/evm/proposals",
        f"/evm/proposals/{pid}/approve",
        f"/evm/proposals/{pid}/cancel",
    ):
        plain = await b.call(0, "POST", path, content=b"{}", headers={"content-type": "text/plain"})
        envelope(plain, 415, "unsupported_media_type")
        envelope(await b.call(1, "POST", path, json=[1, 2]), 400, "invalid_input")
        envelope(
            await b.call(0, "POST", path, content=b"{nope", headers={"content-type": "application/json"}),
            400,
            "invalid_input",
        )
        envelope(await b.call(1, "POST", path, json={}), 400, "invalid_input")
    for path in (f"/evm/proposals/{pid}", f"/evm/proposals/{pid}/executable"):
        envelope(await b.call(0, "GET", path), 400, "invalid_input")
        envelope(await b.call(1, "GET", path, params={"account_id": ["x", "y"]}), 400, "invalid_input")
    stored = await coordinator.ListProposals(pb.ListEvmProposalsRequest(account_id=s.account_id))
    assert [p.proposal_id for p in stored.proposals] == [pid]
    assert [x.signer for x in stored.proposals[0].signatures] == [a.address]


async def operator_pause(
    http: httpx.AsyncClient, fleet: Fleet, account_id: str, action: str, gateway: int, **body: str
) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as own:
        logins = LoginClient(
            [fleet.gateway_url(gateway), fleet.gateway_url(gateway + 1)], http=own, retry=NO_RETRY
        )
        session = await logins.operator_login(operators()[0])
    return await http.post(
        f"{fleet.gateway_url(gateway)}/dashboard/accounts/{account_id}/{action}",
        headers={"cookie": f"{OPERATOR_COOKIE}={session.token}"},
        json=body,
    )


async def test_account_paused_from_the_dashboard_refuses_mutations(
    http: httpx.AsyncClient, fleet: Fleet, evm_fixture: EvmFixture
) -> None:
    s = await setup(http, fleet, evm_fixture, count=2, threshold=2, first_wallet=3)
    a, b = s.signers
    proposal, _ = await propose(s, a)
    paused = await operator_pause(http, fleet, s.account_id, "pause", 0, reason="incident")
    assert paused.status_code == 200, paused.text
    assert paused.json()["before_state"] == "active" and paused.json()["after_state"] == "paused"
    body = envelope(await approve(s, b, proposal, 1), 409, "GUARDIAN_ACCOUNT_PAUSED")
    assert body["meta"]["paused_reason"] == "incident" and body["meta"]["paused_at"]
    op = s.chain.user_operation(s.account, s.chain.transfer_calldata(b.address, 1))
    create = {
        "account_id": s.account_id,
        "user_op_hash": "0x" + op.hash.hex(),
        "payload": "{}",
        "nonce": str(op.nonce),
        "ttl_seconds": 60,
        "signature": a.sign(op.hash),
    }
    envelope(await a.call(0, "POST", "/evm/proposals", json=create), 409, "GUARDIAN_ACCOUNT_PAUSED")
    cancel = {"account_id": s.account_id}
    pid = proposal["proposal_id"]
    envelope(
        await a.call(1, "POST", f"/evm/proposals/{pid}/cancel", json=cancel), 409, "GUARDIAN_ACCOUNT_PAUSED"
    )
    listed = await b.call(0, "GET", "/evm/proposals", params=cancel)
    assert [len(p["signatures"]) for p in listed.json()["proposals"]] == [1]
    missing = await operator_pause(http, fleet, f"evm:1:0x{'00' * 20}", "pause", 1, reason="x")
    envelope(missing, 404, "account_not_found")
    resumed = await operator_pause(http, fleet, s.account_id, "unpause", 1)
    assert resumed.status_code == 200 and resumed.json()["after_state"] == "active", resumed.text
    assert (await approve(s, b, proposal, 0)).status_code == 200


async def test_node_down_is_retryable_503_and_nothing_is_written(
    http: httpx.AsyncClient,
    fleet: Fleet,
    spare_node: EvmNode,
    coordinator: evm_pb2_grpc.EvmProposalsStub,
) -> None:
    chain = deploy_fixture(spare_node)
    s = await setup(http, fleet, chain, count=2, threshold=2)
    a, b = s.signers
    proposal, _ = await propose(s, a)
    op = chain.user_operation(
        s.account, chain.transfer_calldata(b.address, 1), nonce=proposal_nonce(proposal) + 1
    )
    spare_node.kill()
    try:
        create = {
            "account_id": s.account_id,
            "user_op_hash": "0x" + op.hash.hex(),
            "payload": "{}",
            "nonce": str(op.nonce),
            "ttl_seconds": 60,
            "signature": a.sign(op.hash),
        }
        body = envelope(await a.call(0, "POST", "/evm/proposals", json=create), 503, "rpc_unavailable")
        assert body["meta"]["retryable"] is True
        envelope(await approve(s, b, proposal, 1), 503, "rpc_unavailable")
        query = {"account_id": s.account_id}
        envelope(await b.call(0, "GET", "/evm/proposals", params=query), 503, "rpc_unavailable")
        register = {
            "chain_id": SPARE_CHAIN,
            "account_address": s.account,
            "multisig_validator_address": chain.validator,
        }
        envelope(await a.call(1, "POST", "/evm/accounts", json=register), 503, "rpc_unavailable")
        stored = await coordinator.ListProposals(pb.ListEvmProposalsRequest(account_id=s.account_id))
        assert [p.proposal_id for p in stored.proposals] == [proposal["proposal_id"]]
        assert [x.signer for x in stored.proposals[0].signatures] == [a.address]
    finally:
        spare_node.restart()


def proposal_nonce(proposal: dict[str, Any]) -> int:
    return int(proposal["nonce"])


async def test_a_large_payload_is_kept_and_an_expired_proposal_is_gone(
    http: httpx.AsyncClient, fleet: Fleet, evm_fixture: EvmFixture
) -> None:
    s = await setup(http, fleet, evm_fixture, count=2, threshold=2, first_wallet=5)
    a, b = s.signers
    op = s.chain.user_operation(s.account, s.chain.counter_increment_calldata())
    payload = json.dumps({**op.to_json(), "note": "x" * 200_000})  # far above the 8 KiB of small routes
    created = await a.call(
        0,
        "POST",
        "/evm/proposals",
        json={
            "account_id": s.account_id,
            "user_op_hash": "0x" + op.hash.hex(),
            "payload": payload,
            "nonce": hex(op.nonce),
            "ttl_seconds": 1,
            "signature": a.sign(op.hash),
        },
    )
    assert created.status_code == 200, created.text
    proposal = created.json()
    assert proposal["payload"] == payload and proposal["nonce"] == str(op.nonce)
    assert proposal["expires_at"] - proposal["created_at"] == 1000
    query = {"account_id": s.account_id}
    path = f"/evm/proposals/{proposal['proposal_id']}"

    async def expired() -> bool:
        return (await b.call(1, "GET", path, params=query)).status_code == 404

    await wait_until(expired, "the 1 s proposal to expire", within=15)
    envelope(await approve(s, b, proposal, 0), 404, "proposal_not_found")
    assert (await a.call(1, "GET", "/evm/proposals", params=query)).json() == {"proposals": []}


EVM_NODE_DIR = Path(__file__).resolve().parents[1] / "tools" / "evm-node"
CLIENT_FLOW = Path(__file__).resolve().parent / "node" / "evm_client_flow.mjs"


async def test_the_published_client_drives_the_flow_across_gateways(
    fleet: Fleet, evm_fixture: EvmFixture
) -> None:
    """@openzeppelin/guardian-evm-client 0.17.0, unchanged, from Node: login, configure, create on gateway 0,
    approve by the second signer on gateway 1, list, get, executable, cancel; the bundle it got runs on chain."""
    wallet_a, wallet_b = evm_fixture.wallets[7], evm_fixture.wallets[8]
    account = evm_fixture.deploy_account([wallet_a.address, wallet_b.address], 2)
    op = evm_fixture.user_operation(account, evm_fixture.counter_increment_calldata())
    request = {
        "evm_node_dir": str(EVM_NODE_DIR),
        "gateways": [fleet.gateway_url(0), fleet.gateway_url(1)],
        "key_a": wallet_a.private_key,
        "key_b": wallet_b.private_key,
        "chain_id": evm_fixture.chain_id,
        "account": account,
        "validator": evm_fixture.validator,
        "user_op_hash": "0x" + op.hash.hex(),
        "payload": json.dumps(op.to_json()),
        "nonce": str(op.nonce),
    }
    node = await asyncio.create_subprocess_exec(
        "node",
        str(CLIENT_FLOW),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(node.communicate(json.dumps(request).encode()), timeout=120)
    assert node.returncode == 0, err.decode()
    result = json.loads(out)

    a, b = wallet_a.address.lower(), wallet_b.address.lower()
    assert result["sessions"] == [a, b]
    assert result["registered"]["signers"] == [a, b] and result["registered"]["threshold"] == 2
    assert result["accountId"] == f"evm:{evm_fixture.chain_id}:{account.lower()}"
    assert result["created"]["proposer"] == a
    assert [s["signer"] for s in result["approved"]["signatures"]] == [a, b]
    assert result["listed"] == [result["created"]["proposalId"]]
    assert result["fetched"]["signatures"] == result["approved"]["signatures"]
    executable = result["executable"]
    assert executable["hash"] == "0x" + op.hash.hex() and executable["signers"] == [a, b]
    assert result["afterCancel"] == 404

    before = evm_fixture.counter_value()
    signatures = [bytes.fromhex(s[2:]) for s in executable["signatures"]]
    receipt = evm_fixture.handle_ops(op, evm_fixture.encode_signatures(executable["signers"], signatures))
    assert user_op_events(receipt) == [(op.hash, True)]
    assert evm_fixture.counter_value() == before + 1
