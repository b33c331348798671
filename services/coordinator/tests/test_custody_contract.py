"""The Custody contract, through gRPC against a real coordinator process, on both backends.

Mirrors docs/contracts/canonicalization.md §10 (`fenced_canonicalization_writes_reject_stale_owners`,
`retain_and_reconcile_writes_are_kind_exact`) at the RPC level; the Postgres-only races are in
test_custody_postgres.py.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, cast

import grpc
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import new_account_id

CANDIDATE, CANONICAL = pb.DELTA_KIND_CANDIDATE, pb.DELTA_KIND_CANONICAL
RETAINED, DISCARDED = pb.DELTA_KIND_RETAINED, pb.DELTA_KIND_DISCARDED
APPLIED, STALE_LEASE = pb.WRITE_OUTCOME_APPLIED, pb.WRITE_OUTCOME_STALE_LEASE
NOT_CANDIDATE, STALE_BASE = pb.WRITE_OUTCOME_NOT_CANDIDATE, pb.WRITE_OUTCOME_STALE_BASE
OPERATOR = "0x" + "0f" * 32
Kind = pb.DeltaKind


def new_commitment() -> str:
    return "0x" + secrets.token_hex(32)


def auth(label: str = "Ecdsa") -> str:
    return json.dumps({label: {"cosigner_commitments": [new_commitment()]}})


async def expect_invalid(call: Awaitable[Any], field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
    assert field in (caught.value.details() or ""), caught.value.details()


class Account:
    """One configured account and the commitment its stored state is at."""

    def __init__(self, client: CoordinatorClient, account_id: str, commitment: str) -> None:
        self.client, self.id, self.commitment = client, account_id, commitment

    async def submit(
        self, nonce: int, prev: str | None = None, payload: dict[str, Any] | None = None
    ) -> pb.SubmitCandidateResponse:
        response: pb.SubmitCandidateResponse = await self.client.custody.SubmitCandidate(
            pb.SubmitCandidateRequest(
                account_id=self.id,
                nonce=nonce,
                prev_commitment=prev or self.commitment,
                new_commitment=new_commitment(),
                delta_payload_json=json.dumps({"patch": payload or {"n": nonce}}),
                ack_sig="ab" * 65,
                metadata_json=json.dumps({"category": "custom"}),
            )
        )
        return response

    async def candidate(self, nonce: int) -> pb.Delta:
        submitted = await self.submit(nonce)
        assert submitted.outcome == pb.SUBMIT_OUTCOME_SUBMITTED, submitted
        return submitted.delta

    async def promote(self, lease: pb.Lease, nonce: int, source: Kind = CANDIDATE, **extra: Any) -> int:
        commitment = new_commitment()
        response = await self.client.custody.Promote(
            pb.PromoteRequest(
                lease=lease,
                account_id=self.id,
                nonce=nonce,
                source_kind=source,
                new_commitment=commitment,
                new_state_json=json.dumps({"nonce": nonce}),
                **extra,
            )
        )
        if response.outcome == APPLIED:
            self.commitment = commitment
        outcome: int = response.outcome
        return outcome

    async def discard(self, lease: pb.Lease, nonce: int, kind: Kind) -> int:
        response = await self.client.custody.Discard(
            pb.DiscardRequest(lease=lease, account_id=self.id, nonce=nonce, kind=kind)
        )
        outcome: int = response.outcome
        return outcome

    async def update(self, lease: pb.Lease, nonce: int, kind: Kind, reason: str = "", **counters: int) -> int:
        response = await self.client.custody.UpdateCandidateStatus(
            pb.UpdateCandidateStatusRequest(
                lease=lease, account_id=self.id, nonce=nonce, new_kind=kind, reason=reason, **counters
            )
        )
        outcome: int = response.outcome
        return outcome

    async def abandon(self, nonce: int) -> pb.RecordAbandonResponse:
        response: pb.RecordAbandonResponse = await self.client.custody.RecordAbandon(
            pb.RecordAbandonRequest(account_id=self.id, nonce=nonce)
        )
        return response

    async def delta(self, nonce: int) -> pb.Delta | None:
        found = await self.client.custody.GetDelta(pb.GetDeltaRequest(account_id=self.id, nonce=nonce))
        return found.delta if found.found else None

    async def metadata(self) -> pb.Account:
        found = await self.client.custody.GetAccount(pb.GetAccountRequest(account_id=self.id))
        assert found.found
        account: pb.Account = found.account
        return account

    async def state(self) -> pb.AccountState:
        found = await self.client.custody.GetState(pb.GetStateRequest(account_id=self.id))
        assert found.found
        state: pb.AccountState = found.state
        return state

    async def snapshot(self) -> tuple[Any, ...]:
        """Everything a refused write must leave untouched."""
        metadata = await self.metadata()
        rows = await self.client.custody.ListAccountDeltas(
            pb.ListAccountDeltasRequest(account_id=self.id, limit=500)
        )
        deltas = [(d.nonce, d.status_json, d.new_commitment) for d in rows.deltas]
        return (await self.state()).SerializeToString(), metadata.SerializeToString(), deltas


Make = Callable[..., Awaitable[Account]]


@pytest.fixture
def make(client: CoordinatorClient) -> Make:
    async def configure(label: str = "Ecdsa") -> Account:
        account_id, commitment = new_account_id(), new_commitment()
        response = await client.custody.ConfigureAccount(
            pb.ConfigureAccountRequest(
                account_id=account_id,
                auth_json=auth(label),
                initial_state_json=json.dumps({"balance": 0}),
                initial_commitment=commitment,
            )
        )
        assert response.outcome == pb.CONFIGURE_OUTCOME_CREATED
        return Account(client, account_id, commitment)

    return configure


@pytest.fixture
def lease_name() -> str:
    return f"canonicalization-{secrets.token_hex(4)}"


async def acquire(client: CoordinatorClient, name: str, holder: str, ttl_ms: int = 60_000) -> pb.Lease:
    response = await client.leases.Acquire(pb.AcquireRequest(name=name, holder_id=holder, ttl_ms=ttl_ms))
    assert response.acquired
    lease: pb.Lease = response.lease
    return lease


@pytest.fixture
async def lease(client: CoordinatorClient, lease_name: str) -> pb.Lease:
    """A live lease held by "worker": the fence of this test's worker writes."""
    return await acquire(client, lease_name, "worker")


async def every_page(
    fetch: Callable[[Any], Awaitable[Any]], field: str, key_of: Callable[[Any], Any]
) -> list[Any]:
    """Follows a keyset list to its end: each page resumes after the key of the previous page's last row."""
    rows: list[Any] = []
    after = None
    while True:
        page = await fetch(after)
        items = list(getattr(page, field))
        rows += items
        if not page.has_more:
            return rows
        after = key_of(items[-1])


def feed_key(delta: pb.Delta) -> pb.DeltaFeedKey:
    return pb.DeltaFeedKey(
        status_timestamp=delta.status_timestamp, account_id=delta.account_id, nonce=delta.nonce
    )


def status(delta: pb.Delta) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(delta.status_json)
    return parsed


# --- ConfigureAccount -----------------------------------------------------------------------------


async def test_configure_creates_then_replaces_the_auth_and_keeps_the_state(
    client: CoordinatorClient, make: Make
) -> None:
    account = await make()
    created = await account.metadata()
    assert created.state_commitment == account.commitment and not created.has_pending_candidate
    assert json.loads(created.network_config_json) == {}
    state = await account.state()
    assert json.loads(state.state_json) == {"balance": 0} and state.commitment == account.commitment

    new_auth = auth("Falcon")
    updated = await client.custody.ConfigureAccount(
        pb.ConfigureAccountRequest(
            account_id=account.id,
            auth_json=new_auth,
            network_config_json='{"kind": "json"}',
            initial_state_json='{"ignored": true}',
            initial_commitment=new_commitment(),
        )
    )
    assert updated.outcome == pb.CONFIGURE_OUTCOME_UPDATED
    assert json.loads(updated.account.auth_json) == json.loads(new_auth)
    assert json.loads(updated.account.network_config_json) == {"kind": "json"}
    assert updated.account.created_at == created.created_at
    assert (await account.state()).SerializeToString() == state.SerializeToString(), "state is kept"


async def test_configure_with_a_replayed_stamp_writes_nothing(client: CoordinatorClient, make: Make) -> None:
    signer, account_id = new_commitment(), new_account_id()
    request = pb.ConfigureAccountRequest(
        account_id=account_id,
        auth_json=auth(),
        initial_state_json="{}",
        initial_commitment=new_commitment(),
        auth_stamp=pb.AuthStamp(signer_commitment=signer, timestamp_ms=1000),
    )
    assert (await client.custody.ConfigureAccount(request)).outcome == pb.CONFIGURE_OUTCOME_CREATED
    before = (await client.custody.GetAccount(pb.GetAccountRequest(account_id=account_id))).account
    request.auth_json = auth("Other")
    assert (await client.custody.ConfigureAccount(request)).outcome == pb.CONFIGURE_OUTCOME_REPLAY
    after = (await client.custody.GetAccount(pb.GetAccountRequest(account_id=account_id))).account
    assert after == before
    request.auth_stamp.timestamp_ms = 1001
    assert (await client.custody.ConfigureAccount(request)).outcome == pb.CONFIGURE_OUTCOME_UPDATED
    check = pb.CheckAndAdvanceAuthTimestampRequest(
        account_id=account_id, signer_commitment=signer, timestamp_ms=1001
    )
    replay = await client.custody.CheckAndAdvanceAuthTimestamp(check)
    assert replay.outcome == pb.AUTH_TIMESTAMP_OUTCOME_REPLAY, "configure advanced the signer's floor"


async def test_create_only_configure_of_an_existing_account_writes_nothing(client: CoordinatorClient) -> None:
    """A request authorised as a creation must not turn into a reconfigure if another request created
    the account first (two replicas racing the same new account id)."""
    signer, account_id = new_commitment(), new_account_id()
    first = pb.ConfigureAccountRequest(
        account_id=account_id,
        auth_json=auth(),
        initial_state_json="{}",
        initial_commitment=new_commitment(),
        auth_stamp=pb.AuthStamp(signer_commitment=signer, timestamp_ms=1000),
        create_only=True,
    )
    assert (await client.custody.ConfigureAccount(first)).outcome == pb.CONFIGURE_OUTCOME_CREATED
    before = (await client.custody.GetAccount(pb.GetAccountRequest(account_id=account_id))).account
    second = pb.ConfigureAccountRequest()
    second.CopyFrom(first)
    second.auth_json = auth("Intruder")
    second.auth_stamp.timestamp_ms = 2000
    assert (await client.custody.ConfigureAccount(second)).outcome == pb.CONFIGURE_OUTCOME_EXISTS
    assert (await client.custody.GetAccount(pb.GetAccountRequest(account_id=account_id))).account == before
    floor = pb.CheckAndAdvanceAuthTimestampRequest(
        account_id=account_id, signer_commitment=signer, timestamp_ms=1500
    )
    accepted = await client.custody.CheckAndAdvanceAuthTimestamp(floor)
    assert accepted.outcome == pb.AUTH_TIMESTAMP_OUTCOME_ACCEPTED, "the refused request consumed no timestamp"


# --- SubmitCandidate ------------------------------------------------------------------------------


async def test_submit_stores_a_candidate_and_locks_the_account(client: CoordinatorClient, make: Make) -> None:
    account = await make()
    submitted = await account.submit(1, payload={"balance": 5})
    assert submitted.outcome == pb.SUBMIT_OUTCOME_SUBMITTED
    delta = submitted.delta
    assert (delta.account_id, delta.nonce, delta.prev_commitment) == (account.id, 1, account.commitment)
    assert delta.status_kind == CANDIDATE
    assert json.loads(delta.delta_payload_json) == {"patch": {"balance": 5}}
    assert delta.ack_sig == "ab" * 65 and json.loads(delta.metadata_json) == {"category": "custom"}
    candidate_status = status(delta)
    assert candidate_status["status"] == "candidate"
    assert candidate_status["retry_count"] == candidate_status["divergence_count"] == 0
    assert candidate_status["abandon_confirm_count"] == 0 and "abandon_requested_at" not in candidate_status
    assert datetime.fromisoformat(candidate_status["timestamp"]) == delta.status_timestamp.ToDatetime(
        tzinfo=UTC
    )

    assert await account.delta(1) == delta
    assert (await account.metadata()).has_pending_candidate
    listed = await client.custody.ListCandidates(pb.ListCandidatesRequest(account_id=account.id))
    assert [d.nonce for d in listed.deltas] == [1] and listed.deltas[0].delta_payload_json == ""


async def test_one_candidate_per_account_and_a_stale_base_reports_the_expected_commitment(
    client: CoordinatorClient, make: Make
) -> None:
    account = await make()
    stale = await account.submit(1, prev=new_commitment())
    assert stale.outcome == pb.SUBMIT_OUTCOME_COMMITMENT_MISMATCH
    assert stale.expected_commitment == account.commitment
    first = await account.candidate(1)
    before = await account.snapshot()
    for nonce in (1, 2):
        assert (await account.submit(nonce)).outcome == pb.SUBMIT_OUTCOME_CONFLICT
    # A pending candidate is reported before a stale base (the client API's order).
    assert (await account.submit(2, prev=new_commitment())).outcome == pb.SUBMIT_OUTCOME_CONFLICT
    assert await account.snapshot() == before
    assert await account.delta(1) == first


async def test_a_submission_stamp_is_the_replay_check_of_its_transaction(
    client: CoordinatorClient, make: Make
) -> None:
    account = await make()
    signer = new_commitment()
    read = await client.custody.GetAccount(pb.GetAccountRequest(account_id=account.id, include_state=True))
    assert read.found and read.account == await account.metadata()
    assert read.state == await account.state(), "the account and its state in one read"

    async def submit(timestamp_ms: int, nonce: int = 1, prev: str | None = None) -> int:
        request = pb.SubmitCandidateRequest(
            account_id=account.id,
            nonce=nonce,
            prev_commitment=prev or account.commitment,
            new_commitment=new_commitment(),
            delta_payload_json=json.dumps({"patch": {"n": nonce}}),
            auth_stamp=pb.AuthStamp(signer_commitment=signer, timestamp_ms=timestamp_ms),
        )
        outcome: int = (await client.custody.SubmitCandidate(request)).outcome
        return outcome

    async def floor_accepts(timestamp_ms: int) -> bool:
        check = pb.CheckAndAdvanceAuthTimestampRequest(
            account_id=account.id, signer_commitment=signer, timestamp_ms=timestamp_ms
        )
        reply = await client.custody.CheckAndAdvanceAuthTimestamp(check)
        return bool(reply.outcome == pb.AUTH_TIMESTAMP_OUTCOME_ACCEPTED)

    # A refused submission still uses its timestamp up (the replay check comes first and stays).
    assert await submit(1_000, prev=new_commitment()) == pb.SUBMIT_OUTCOME_COMMITMENT_MISMATCH
    before = await account.snapshot()
    assert await submit(1_000) == pb.SUBMIT_OUTCOME_REPLAY, "nothing is written for a replay"
    assert await submit(999) == pb.SUBMIT_OUTCOME_REPLAY
    assert await account.snapshot() == before
    assert await submit(1_001) == pb.SUBMIT_OUTCOME_SUBMITTED
    # The replay check precedes the conflict: an old stamp meets REPLAY, a fresh one CONFLICT.
    assert await submit(1_001, nonce=2) == pb.SUBMIT_OUTCOME_REPLAY
    assert await submit(1_002, nonce=2) == pb.SUBMIT_OUTCOME_CONFLICT
    assert not await floor_accepts(1_002), "the refused submission advanced the floor"
    await client.custody.Pause(pb.PauseRequest(account_id=account.id, operator_commitment=OPERATOR))
    assert await submit(1_002, nonce=2) == pb.SUBMIT_OUTCOME_REPLAY, "replay is reported before pause"
    assert await submit(1_003, nonce=2) == pb.SUBMIT_OUTCOME_PAUSED
    assert not await floor_accepts(1_003)


async def test_client_writes_to_an_unknown_account(client: CoordinatorClient) -> None:
    ghost = Account(client, new_account_id(), new_commitment())
    assert (await ghost.submit(1)).outcome == pb.SUBMIT_OUTCOME_ACCOUNT_NOT_FOUND
    assert (await ghost.abandon(1)).outcome == pb.ABANDON_OUTCOME_ACCOUNT_NOT_FOUND
    check = pb.CheckAndAdvanceAuthTimestampRequest(
        account_id=ghost.id, signer_commitment=new_commitment(), timestamp_ms=1
    )
    outcome = (await client.custody.CheckAndAdvanceAuthTimestamp(check)).outcome
    assert outcome == pb.AUTH_TIMESTAMP_OUTCOME_ACCOUNT_NOT_FOUND
    assert not (
        await client.custody.Pause(pb.PauseRequest(account_id=ghost.id, operator_commitment=OPERATOR))
    ).found
    assert not (await client.custody.GetAccount(pb.GetAccountRequest(account_id=ghost.id))).found
    with_state = pb.GetAccountRequest(account_id=ghost.id, include_state=True)
    assert not (await client.custody.GetAccount(with_state)).found
    assert not (await client.custody.GetState(pb.GetStateRequest(account_id=ghost.id))).found
    assert await ghost.delta(1) is None


# --- Fenced writes --------------------------------------------------------------------------------


async def test_promotion_applies_once_and_canonical_history_is_never_overwritten(
    client: CoordinatorClient, make: Make, lease: pb.Lease
) -> None:
    account = await make()
    old_base = account.commitment
    await account.candidate(1)
    assert await account.promote(lease, 1, auth_json=auth("Synced")) == APPLIED
    canonical = await account.delta(1)
    assert canonical is not None and canonical.status_kind == CANONICAL
    assert canonical.new_commitment == account.commitment and status(canonical)["status"] == "canonical"
    state = await account.state()
    assert state.commitment == account.commitment and json.loads(state.state_json) == {"nonce": 1}
    metadata = await account.metadata()
    assert not metadata.has_pending_candidate and "Synced" in json.loads(metadata.auth_json)

    after = await account.snapshot()
    assert await account.promote(lease, 1) == NOT_CANDIDATE, "a repeated promotion changes nothing"
    assert await account.discard(lease, 1, CANDIDATE) == NOT_CANDIDATE, "a canonical row is never deleted"
    stale = await account.submit(2, prev=old_base)
    assert stale.outcome == pb.SUBMIT_OUTCOME_COMMITMENT_MISMATCH
    assert (await account.submit(1)).outcome == pb.SUBMIT_OUTCOME_CONFLICT, (
        "the nonce holds canonical history"
    )
    assert await account.snapshot() == after


async def test_stale_holder_writes_are_refused_and_change_nothing(
    client: CoordinatorClient, make: Make, lease_name: str
) -> None:
    account = await make()
    await account.candidate(1)
    old = await acquire(client, lease_name, "a", ttl_ms=300)
    await asyncio.sleep(0.4)  # the old holder's own TTL
    new = await acquire(client, lease_name, "b")
    assert new.fence_token > old.fence_token
    before = await account.snapshot()
    assert await account.promote(old, 1) == STALE_LEASE
    assert await account.discard(old, 1, CANDIDATE) == STALE_LEASE
    assert await account.update(old, 1, CANDIDATE, retry_count=1) == STALE_LEASE
    assert await account.update(old, 1, RETAINED, "retry_exhausted") == STALE_LEASE
    forged = pb.Lease(name=lease_name, holder_id="a", fence_token=new.fence_token)
    assert await account.promote(forged, 1) == STALE_LEASE
    assert await account.snapshot() == before
    assert await account.promote(new, 1) == APPLIED


async def test_promotion_on_a_moved_base_is_stale_base_and_changes_nothing(
    client: CoordinatorClient, make: Make, lease: pb.Lease
) -> None:
    account = await make()
    await account.candidate(1)
    assert await account.update(lease, 1, RETAINED, "diverged") == APPLIED
    assert not (await account.metadata()).has_pending_candidate, "a retained row does not hold the lock"
    await account.candidate(2)  # on the same base as the retained row
    assert await account.promote(lease, 2) == APPLIED
    before = await account.snapshot()
    assert await account.promote(lease, 1, RETAINED) == STALE_BASE
    assert await account.snapshot() == before
    retained = await account.delta(1)
    assert retained is not None and retained.status_kind == RETAINED


async def test_retain_and_reconcile_writes_are_kind_exact(
    client: CoordinatorClient, make: Make, lease: pb.Lease
) -> None:
    account = await make()
    await account.candidate(1)
    assert await account.update(lease, 1, RETAINED, "retry_exhausted") == APPLIED
    retained = await account.delta(1)
    assert retained is not None and status(retained) == {
        "status": "retained",
        "timestamp": status(retained)["timestamp"],
        "reason": "retry_exhausted",
    }
    before = await account.snapshot()
    assert await account.promote(lease, 1, CANDIDATE) == NOT_CANDIDATE
    assert await account.discard(lease, 1, CANDIDATE) == NOT_CANDIDATE
    assert await account.update(lease, 1, CANDIDATE, retry_count=2) == NOT_CANDIDATE
    assert await account.snapshot() == before
    assert await account.promote(lease, 1, RETAINED) == APPLIED, "reconcile promotes the retained row"

    await account.candidate(2)
    assert await account.update(lease, 2, RETAINED, "diverged") == APPLIED
    assert await account.discard(lease, 2, RETAINED) == APPLIED
    assert await account.delta(2) is None


async def test_a_new_candidate_supersedes_retained_and_abandoned_rows(
    client: CoordinatorClient, make: Make, lease: pb.Lease
) -> None:
    account = await make()
    await account.candidate(1)
    assert await account.update(lease, 1, RETAINED, "retry_exhausted") == APPLIED
    replacement = await account.candidate(1)
    assert replacement.status_kind == CANDIDATE and await account.delta(1) == replacement
    assert (await account.abandon(1)).outcome == pb.ABANDON_OUTCOME_RECORDED
    assert await account.update(lease, 1, DISCARDED, "client_abandoned") == APPLIED
    assert not (await account.metadata()).has_pending_candidate
    again = await account.candidate(1)
    assert again.status_kind == CANDIDATE and "abandon_requested_at" not in status(again)


async def test_recoverable_rows_are_listed_for_reconcile(
    client: CoordinatorClient, make: Make, lease: pb.Lease
) -> None:
    retained, abandoned, canonical = await make(), await make(), await make()
    for account in (retained, abandoned, canonical):
        await account.candidate(1)
    assert await retained.update(lease, 1, RETAINED, "diverged") == APPLIED
    assert await abandoned.update(lease, 1, DISCARDED, "client_abandoned") == APPLIED
    assert await canonical.promote(lease, 1) == APPLIED

    ids = await every_page(
        lambda after: client.custody.ListRecoverableAccounts(
            pb.ListRecoverableAccountsRequest(
                retained_ttl_seconds=3600, limit=2, after_account_id=after or ""
            )
        ),
        "account_ids",
        lambda last: last,
    )
    assert ids == sorted(set(ids))
    assert {retained.id, abandoned.id} <= set(ids) and canonical.id not in ids
    for account, kind in ((retained, RETAINED), (abandoned, DISCARDED)):
        rows = await client.custody.ListRecoverableDeltas(
            pb.ListRecoverableDeltasRequest(account_id=account.id, retained_ttl_seconds=3600)
        )
        assert [(d.nonce, d.status_kind) for d in rows.deltas] == [(1, kind)]
    assert await abandoned.promote(lease, 1, DISCARDED) == APPLIED, "a late-landing abandoned row recovers"


# --- Abandon --------------------------------------------------------------------------------------


async def test_abandon_intent_is_recorded_once_and_survives_worker_updates(
    client: CoordinatorClient, make: Make, lease: pb.Lease
) -> None:
    account = await make()
    await account.candidate(1)
    recorded = await account.abandon(1)
    assert recorded.outcome == pb.ABANDON_OUTCOME_RECORDED
    requested = status(recorded.delta)["abandon_requested_at"]
    assert datetime.fromisoformat(requested) == recorded.requested_at.ToDatetime(tzinfo=UTC)
    assert recorded.delta.status_timestamp.ToDatetime() <= recorded.requested_at.ToDatetime()
    again = await account.abandon(1)
    assert (
        again.outcome == pb.ABANDON_OUTCOME_ALREADY_REQUESTED and again.requested_at == recorded.requested_at
    )

    assert await account.update(lease, 1, CANDIDATE, retry_count=3, abandon_confirm_count=1) == APPLIED
    updated = await account.delta(1)
    assert updated is not None
    assert status(updated) | {"retry_count": 0, "abandon_confirm_count": 0} == status(recorded.delta)
    assert status(updated)["retry_count"] == 3 and updated.status_timestamp == recorded.delta.status_timestamp
    assert await account.update(lease, 1, RETAINED, "retry_exhausted") == NOT_CANDIDATE
    assert status(await account.delta(1) or pb.Delta())["abandon_requested_at"] == requested

    assert await account.update(lease, 1, DISCARDED, "client_abandoned") == APPLIED
    finished = await account.abandon(1)
    assert finished.outcome == pb.ABANDON_OUTCOME_NOT_CANDIDATE and finished.delta.status_kind == DISCARDED
    missing = await account.abandon(7)
    assert missing.outcome == pb.ABANDON_OUTCOME_NOT_CANDIDATE and not missing.HasField("delta")


# --- Replay floor ---------------------------------------------------------------------------------


async def test_auth_timestamps_strictly_increase_per_signer(client: CoordinatorClient, make: Make) -> None:
    account = await make()
    alice, bob = new_commitment(), new_commitment()

    async def check(signer: str, timestamp_ms: int) -> int:
        request = pb.CheckAndAdvanceAuthTimestampRequest(
            account_id=account.id, signer_commitment=signer, timestamp_ms=timestamp_ms
        )
        outcome: int = (await client.custody.CheckAndAdvanceAuthTimestamp(request)).outcome
        return outcome

    accepted, replay = pb.AUTH_TIMESTAMP_OUTCOME_ACCEPTED, pb.AUTH_TIMESTAMP_OUTCOME_REPLAY
    assert await check(alice, 1_000) == accepted
    assert await check(alice, 1_000) == replay, "the same timestamp twice"
    assert await check(alice, 999) == replay
    assert await check(bob, 500) == accepted, "signers do not share a floor"
    assert await check(alice, 1_001) == accepted
    assert await check(bob, 500) == replay


async def test_a_signed_read_picks_the_first_cosigner_candidate_and_moves_only_its_floor(
    client: CoordinatorClient,
) -> None:
    alice, bob, stranger = new_commitment(), new_commitment(), new_commitment()
    account_id, commitment = new_account_id(), new_commitment()
    configured = await client.custody.ConfigureAccount(
        pb.ConfigureAccountRequest(
            account_id=account_id,
            auth_json=json.dumps({"MidenEcdsa": {"cosigner_commitments": [alice, bob]}}),
            initial_state_json=json.dumps({"balance": 7}),
            initial_commitment=commitment,
        )
    )
    assert configured.outcome == pb.CONFIGURE_OUTCOME_CREATED
    accepted, replay = pb.AUTH_TIMESTAMP_OUTCOME_ACCEPTED, pb.AUTH_TIMESTAMP_OUTCOME_REPLAY

    async def read(
        candidates: list[str], timestamp_ms: int, method: str = "MidenEcdsa", include_state: bool = True
    ) -> pb.ReadAsSignerResponse:
        response: pb.ReadAsSignerResponse = await client.custody.ReadAsSigner(
            pb.ReadAsSignerRequest(
                account_id=account_id,
                include_state=include_state,
                auth_method=method,
                candidate_signers=candidates,
                timestamp_ms=timestamp_ms,
            )
        )
        return response

    first = await read([bob, alice], 1_000)  # both cosigners: the first listed is the signer
    assert first.found and first.account.account_id == account_id
    assert json.loads(first.state.state_json) == {"balance": 7} and first.state.commitment == commitment
    assert (first.signer_commitment, first.floor) == (bob, accepted)
    again = await read([bob], 1_000)
    assert (again.signer_commitment, again.floor) == (bob, replay), "the same timestamp twice"
    skipped = await read([stranger, alice], 1_000)
    assert (skipped.signer_commitment, skipped.floor) == (alice, accepted), "a non-cosigner is skipped"
    for candidates, method in (([stranger], "MidenEcdsa"), ([], "MidenEcdsa"), ([alice], "MidenFalconRpo")):
        none = await read(candidates, 5_000, method)
        assert (
            none.found
            and none.signer_commitment == ""
            and none.floor == pb.AUTH_TIMESTAMP_OUTCOME_UNSPECIFIED
        )
        assert none.state.commitment == commitment, "the account is read even without a signer"
    # No floor moved above: alice's floor is still 1,000, so 1,001 is accepted, and without the state.
    bare = await read([alice], 1_001, include_state=False)
    assert (bare.signer_commitment, bare.floor) == (alice, accepted) and not bare.HasField("state")
    check = pb.CheckAndAdvanceAuthTimestampRequest(
        account_id=account_id, signer_commitment=bob, timestamp_ms=1_000
    )
    assert (await client.custody.CheckAndAdvanceAuthTimestamp(check)).outcome == replay, (
        "one floor for both RPCs"
    )

    missing = await client.custody.ReadAsSigner(
        pb.ReadAsSignerRequest(
            account_id=new_account_id(), auth_method="MidenEcdsa", candidate_signers=[alice], timestamp_ms=1
        )
    )
    assert not missing.found and missing.signer_commitment == ""


async def test_a_signed_read_refuses_bad_input_naming_the_field(
    client: CoordinatorClient, make: Make
) -> None:
    account = await make()
    good: dict[str, Any] = {
        "account_id": account.id,
        "auth_method": "MidenEcdsa",
        "candidate_signers": [],
        "timestamp_ms": 1,
    }
    for field, value in (
        ("account_id", ""),
        ("auth_method", "EvmEcdsa"),
        ("candidate_signers", [new_commitment() for _ in range(3)]),
        ("candidate_signers", ["0xnot-a-commitment"]),
        ("timestamp_ms", -1),
    ):
        request = pb.ReadAsSignerRequest(**{**good, field: value})
        await expect_invalid(client.custody.ReadAsSigner(request), field)


# --- Pause, release -------------------------------------------------------------------------------


async def test_pause_and_unpause_are_idempotent_audited_and_gate_client_writes(
    client: CoordinatorClient, make: Make
) -> None:
    account = await make()
    await account.candidate(1)
    paused = await client.custody.Pause(
        pb.PauseRequest(account_id=account.id, operator_commitment=OPERATOR, reason="incident 7")
    )
    assert (paused.found, paused.before_state, paused.after_state) == (True, "active", "paused")
    assert paused.account.paused_reason == "incident 7"
    again = await client.custody.Pause(
        pb.PauseRequest(account_id=account.id, operator_commitment=OPERATOR, reason="again")
    )
    assert (again.before_state, again.after_state) == ("paused", "paused")
    assert again.account.paused_at == paused.account.paused_at and again.account.paused_reason == "incident 7"

    refused = await account.submit(2)
    assert refused.outcome == pb.SUBMIT_OUTCOME_PAUSED and refused.account.paused_reason == "incident 7"
    abandon = await account.abandon(1)
    assert abandon.outcome == pb.ABANDON_OUTCOME_PAUSED and abandon.account.HasField("paused_at")
    check = pb.CheckAndAdvanceAuthTimestampRequest(
        account_id=account.id, signer_commitment=new_commitment(), timestamp_ms=5
    )
    assert (
        await client.custody.CheckAndAdvanceAuthTimestamp(check)
    ).outcome == pb.AUTH_TIMESTAMP_OUTCOME_ACCEPTED

    for expected_before in ("paused", "active"):
        unpaused = await client.custody.Unpause(
            pb.UnpauseRequest(account_id=account.id, operator_commitment=OPERATOR, reason="resolved")
        )
        assert (unpaused.before_state, unpaused.after_state) == (expected_before, "active")
        assert not unpaused.account.HasField("paused_at") and unpaused.account.paused_reason == ""
    assert (await account.abandon(1)).outcome == pb.ABANDON_OUTCOME_RECORDED

    audit = await client.custody.ListAdminActions(pb.ListAdminActionsRequest(account_id=account.id, limit=3))
    assert [(a.action, a.before_state, a.after_state, a.reason) for a in audit.actions] == [
        ("accounts.unpause", "active", "active", "resolved"),
        ("accounts.unpause", "paused", "active", "resolved"),
        ("accounts.pause", "paused", "paused", "again"),
    ]
    assert audit.has_more and all(a.operator_commitment == OPERATOR for a in audit.actions)
    rest = await client.custody.ListAdminActions(
        pb.ListAdminActionsRequest(account_id=account.id, limit=3, before_id=audit.actions[-1].id)
    )
    assert [a.action for a in rest.actions] == ["accounts.pause"] and not rest.has_more


async def test_a_released_account_refuses_client_writes_until_reconfigured(
    client: CoordinatorClient, make: Make, lease: pb.Lease
) -> None:
    account = await make()
    await account.candidate(1)
    assert await account.promote(lease, 1, release=True) == APPLIED
    released = await account.submit(2)
    assert released.outcome == pb.SUBMIT_OUTCOME_RELEASED and released.account.HasField("released_at")
    assert (await account.abandon(1)).outcome == pb.ABANDON_OUTCOME_RELEASED
    reconfigured = await client.custody.ConfigureAccount(
        pb.ConfigureAccountRequest(
            account_id=account.id,
            auth_json=auth(),
            initial_state_json="{}",
            initial_commitment=new_commitment(),
        )
    )
    assert reconfigured.outcome == pb.CONFIGURE_OUTCOME_UPDATED
    assert not reconfigured.account.HasField("released_at")
    assert reconfigured.account.state_commitment == account.commitment
    assert (await account.submit(2)).outcome == pb.SUBMIT_OUTCOME_SUBMITTED


# --- Reads ----------------------------------------------------------------------------------------


async def test_keyset_pages_return_every_row_exactly_once_in_order(
    client: CoordinatorClient, make: Make, lease: pb.Lease
) -> None:
    accounts = [await make() for _ in range(5)]
    for i, account in enumerate(accounts):
        for nonce in range(1, 4):
            await account.candidate(nonce)
            if nonce < 3 or i % 2:
                assert await account.promote(lease, nonce) == APPLIED
    mine = {a.id for a in accounts}

    async def feed(statuses: list[Kind]) -> list[pb.Delta]:
        return await every_page(
            lambda after: client.custody.ListDeltas(
                pb.ListDeltasRequest(statuses=statuses, limit=4, after=after)
            ),
            "deltas",
            feed_key,
        )

    everything = await feed([])
    keys = [(-d.status_timestamp.ToNanoseconds(), d.account_id, d.nonce) for d in everything]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert sorted((d.account_id, d.nonce) for d in everything if d.account_id in mine) == sorted(
        (a.id, n) for a in accounts for n in range(1, 4)
    )
    candidates = [d for d in await feed([CANDIDATE, CANDIDATE]) if d.account_id in mine]
    assert sorted(d.account_id for d in candidates) == sorted(
        a.id for i, a in enumerate(accounts) if not i % 2
    )
    mixed = await feed([CANDIDATE, CANONICAL])
    assert mixed == [d for d in everything if d.status_kind in (CANDIDATE, CANONICAL)]

    newest_first = await every_page(
        lambda before: client.custody.ListAccountDeltas(
            pb.ListAccountDeltasRequest(account_id=accounts[0].id, limit=2, before_nonce=before)
        ),
        "deltas",
        lambda last: last.nonce,
    )
    assert [d.nonce for d in newest_first] == [3, 2, 1]
    canonical_only = await client.custody.ListAccountDeltas(
        pb.ListAccountDeltasRequest(account_id=accounts[0].id, limit=5, statuses=[CANONICAL])
    )
    assert [d.nonce for d in canonical_only.deltas] == [2, 1]

    listed = await every_page(
        lambda after: client.custody.ListAccounts(pb.ListAccountsRequest(limit=3, after=after)),
        "accounts",
        lambda last: pb.AccountKey(updated_at=last.updated_at, account_id=last.account_id),
    )
    account_keys = [(-a.updated_at.ToNanoseconds(), a.account_id) for a in listed]
    assert account_keys == sorted(account_keys) and len({a.account_id for a in listed}) == len(listed)
    assert mine <= {a.account_id for a in listed}


async def test_accounts_can_be_listed_paused_or_active(client: CoordinatorClient, make: Make) -> None:
    account = await make()
    await client.custody.Pause(pb.PauseRequest(account_id=account.id, operator_commitment=OPERATOR))

    async def ids(paused: pb.PausedFilter) -> set[str]:
        page = await client.custody.ListAccounts(pb.ListAccountsRequest(limit=500, paused=paused))
        return {a.account_id for a in page.accounts}

    assert account.id in await ids(pb.PAUSED_FILTER_PAUSED)
    assert account.id not in await ids(pb.PAUSED_FILTER_ACTIVE)


async def test_deltas_since_pages_by_nonce_and_by_payload_size(
    client: CoordinatorClient, make: Make, lease: pb.Lease
) -> None:
    account = await make()
    for nonce in range(1, 5):
        submitted = await account.submit(nonce, payload={"blob": "x" * 1_000_000})
        assert submitted.outcome == pb.SUBMIT_OUTCOME_SUBMITTED
        assert await account.promote(lease, nonce) == APPLIED

    async def since(
        from_nonce: int, limit: int = 10, statuses: tuple[Kind, ...] = ()
    ) -> pb.ListDeltasResponse:
        response: pb.ListDeltasResponse = await client.custody.ListDeltasSince(
            pb.ListDeltasSinceRequest(
                account_id=account.id, from_nonce=from_nonce, limit=limit, statuses=statuses
            )
        )
        return response

    first = await since(1)
    assert [d.nonce for d in first.deltas] == [1, 2, 3] and first.has_more, "cut at about 2 MiB of payload"
    assert all(json.loads(d.delta_payload_json)["patch"]["blob"] for d in first.deltas)
    rest = await since(4)
    assert [d.nonce for d in rest.deltas] == [4] and not rest.has_more
    assert [d.nonce for d in (await since(2, limit=1)).deltas] == [2]
    assert (await since(1, statuses=(CANDIDATE,))).deltas == []


async def test_worker_lists_pending_accounts_and_recent_candidates(
    client: CoordinatorClient, make: Make
) -> None:
    accounts = [await make() for _ in range(3)]
    for account in accounts:
        await account.candidate(1)
    mine = {a.id for a in accounts}

    pending = await every_page(
        lambda after: client.custody.ListPendingAccounts(
            pb.ListPendingAccountsRequest(limit=2, after_account_id=after or "")
        ),
        "account_ids",
        lambda last: last,
    )
    assert pending == sorted(set(pending)) and mine <= set(pending)

    recent = await every_page(
        lambda after: client.custody.ListRecentCandidates(
            pb.ListRecentCandidatesRequest(window_ms=60_000, limit=2, after=after)
        ),
        "deltas",
        feed_key,
    )
    order = [(d.status_timestamp.ToNanoseconds(), d.account_id, d.nonce) for d in recent]
    assert order == sorted(set(order)) and all(d.status_kind == CANDIDATE for d in recent)
    assert mine <= {d.account_id for d in recent}
    await asyncio.sleep(0.05)
    tiny = await client.custody.ListRecentCandidates(pb.ListRecentCandidatesRequest(window_ms=1, limit=500))
    assert not mine & {d.account_id for d in tiny.deltas}, "older than the window"


async def test_dashboard_info_counts_accounts_by_auth_method_and_deltas_by_status(
    client: CoordinatorClient, make: Make, lease: pb.Lease
) -> None:
    label = f"Method{secrets.token_hex(3)}"
    before = await client.custody.GetDashboardInfo(pb.GetDashboardInfoRequest())
    accounts = [await make(label) for _ in range(2)]
    await accounts[0].candidate(1)
    await accounts[1].candidate(1)
    assert await accounts[1].promote(lease, 1) == APPLIED
    info = await client.custody.GetDashboardInfo(pb.GetDashboardInfoRequest())
    assert info.total_account_count == before.total_account_count + 2
    assert info.accounts_by_auth_method[label] == 2
    assert sum(info.accounts_by_auth_method.values()) == info.total_account_count
    assert set(info.delta_status_counts) == {"candidate", "canonical", "retained", "discarded"}
    for kind in ("candidate", "canonical"):
        assert info.delta_status_counts[kind] == before.delta_status_counts[kind] + 1
    latest = await accounts[1].delta(1)
    assert latest is not None and info.latest_activity.ToDatetime() >= latest.status_timestamp.ToDatetime()


# --- Bad input ------------------------------------------------------------------------------------


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    client: CoordinatorClient, make: Make, lease: pb.Lease
) -> None:
    account = await make()
    await account.candidate(1)
    before = await account.snapshot()
    custody = client.custody
    good_configure: dict[str, Any] = {
        "account_id": new_account_id(),
        "auth_json": auth(),
        "initial_state_json": "{}",
        "initial_commitment": new_commitment(),
    }
    configure_cases: list[tuple[dict[str, Any], str]] = [
        ({"account_id": "0x" + "ab" * 14}, "account_id"),
        ({"account_id": "0x" + "AB" * 15}, "account_id"),
        ({"account_id": "ab" * 16}, "account_id"),
        ({"auth_json": "{}"}, "auth_json"),
        ({"auth_json": '{"a": 1, "b": 2}'}, "auth_json"),
        ({"auth_json": "[]"}, "auth_json"),
        ({"network_config_json": "[1]"}, "network_config_json"),
        ({"initial_state_json": ""}, "initial_state_json"),
        ({"initial_state_json": '{"a": NaN}'}, "initial_state_json"),
        ({"initial_state_json": '{"a": 1e999999}'}, "initial_state_json"),
        ({"initial_state_json": '{"a": "\\u0000"}'}, "initial_state_json"),
        ({"initial_state_json": json.dumps({"a": "x" * (1024 * 1024)})}, "initial_state_json"),
        ({"initial_commitment": "0x" + "ab" * 31}, "initial_commitment"),
        (
            {"auth_stamp": pb.AuthStamp(signer_commitment="0x1", timestamp_ms=1)},
            "auth_stamp.signer_commitment",
        ),
        (
            {"auth_stamp": pb.AuthStamp(signer_commitment=new_commitment(), timestamp_ms=-1)},
            "auth_stamp.timestamp_ms",
        ),
    ]
    for override, field in configure_cases:
        await expect_invalid(
            custody.ConfigureAccount(pb.ConfigureAccountRequest(**{**good_configure, **override})), field
        )
    assert not (await custody.GetAccount(pb.GetAccountRequest(account_id=good_configure["account_id"]))).found

    good_submit: dict[str, Any] = {
        "account_id": account.id,
        "nonce": 2,
        "prev_commitment": account.commitment,
        "new_commitment": new_commitment(),
        "delta_payload_json": "{}",
    }
    submit_cases: list[tuple[dict[str, Any], str]] = [
        ({"account_id": ""}, "account_id"),
        ({"nonce": 2**63}, "nonce"),
        ({"prev_commitment": ""}, "prev_commitment"),
        ({"new_commitment": account.commitment.upper()}, "new_commitment"),
        ({"delta_payload_json": "[]"}, "delta_payload_json"),
        ({"delta_payload_json": json.dumps({"a": "x" * (1024 * 1024)})}, "delta_payload_json"),
        ({"metadata_json": json.dumps({"a": "x" * 5000})}, "metadata_json"),
        ({"ack_sig": "x" * 5000}, "ack_sig"),
        (
            {"auth_stamp": pb.AuthStamp(signer_commitment="0x1", timestamp_ms=1)},
            "auth_stamp.signer_commitment",
        ),
    ]
    for override, field in submit_cases:
        await expect_invalid(
            custody.SubmitCandidate(pb.SubmitCandidateRequest(**{**good_submit, **override})), field
        )

    fence: dict[str, Any] = {"lease": lease, "account_id": account.id, "nonce": 1}
    promote: dict[str, Any] = {
        **fence,
        "source_kind": CANDIDATE,
        "new_commitment": new_commitment(),
        "new_state_json": "{}",
    }
    fenced_cases: list[tuple[Awaitable[Any], str]] = [
        (custody.Promote(pb.PromoteRequest(**{**promote, "lease": None})), "lease"),
        (
            custody.Promote(pb.PromoteRequest(**{**promote, "lease": pb.Lease(name=lease.name)})),
            "lease.holder_id",
        ),
        (
            custody.Promote(
                pb.PromoteRequest(**{**promote, "lease": pb.Lease(name=lease.name, holder_id="worker")})
            ),
            "lease.fence_token",
        ),
        (custody.Promote(pb.PromoteRequest(**{**promote, "source_kind": CANONICAL})), "source_kind"),
        (custody.Promote(pb.PromoteRequest(**{**promote, "new_state_json": "nope"})), "new_state_json"),
        (custody.Promote(pb.PromoteRequest(**{**promote, "auth_json": "{}"})), "auth_json"),
        (custody.Discard(pb.DiscardRequest(**{**fence, "lease": None, "kind": CANDIDATE})), "lease"),
        (custody.Discard(pb.DiscardRequest(**fence, kind=CANONICAL)), "kind"),
        (custody.Discard(pb.DiscardRequest(**fence, kind=DISCARDED)), "kind"),
        (custody.Discard(pb.DiscardRequest(**fence, kind=cast(Kind, 42))), "kind"),
        (custody.UpdateCandidateStatus(pb.UpdateCandidateStatusRequest(**{**fence, "lease": None})), "lease"),
        (
            custody.UpdateCandidateStatus(pb.UpdateCandidateStatusRequest(**fence, new_kind=CANONICAL)),
            "new_kind",
        ),
        (
            custody.UpdateCandidateStatus(pb.UpdateCandidateStatusRequest(**fence, new_kind=RETAINED)),
            "reason",
        ),
        (
            custody.UpdateCandidateStatus(
                pb.UpdateCandidateStatusRequest(**fence, new_kind=RETAINED, reason="client_abandoned")
            ),
            "reason",
        ),
        (
            custody.UpdateCandidateStatus(
                pb.UpdateCandidateStatusRequest(**fence, new_kind=CANDIDATE, reason="diverged")
            ),
            "reason",
        ),
    ]
    for call, field in fenced_cases:
        await expect_invalid(call, field)

    read_cases: list[tuple[Awaitable[Any], str]] = [
        (custody.RecordAbandon(pb.RecordAbandonRequest(account_id="0x", nonce=1)), "account_id"),
        (
            custody.CheckAndAdvanceAuthTimestamp(
                pb.CheckAndAdvanceAuthTimestampRequest(
                    account_id=account.id, signer_commitment="", timestamp_ms=1
                )
            ),
            "signer_commitment",
        ),
        (
            custody.Pause(pb.PauseRequest(account_id=account.id, operator_commitment="op")),
            "operator_commitment",
        ),
        (
            custody.Unpause(
                pb.UnpauseRequest(account_id=account.id, operator_commitment=OPERATOR, reason="x" * 2000)
            ),
            "reason",
        ),
        (custody.GetDelta(pb.GetDeltaRequest(account_id=account.id, nonce=2**64 - 1)), "nonce"),
        (custody.ListDeltas(pb.ListDeltasRequest(limit=0)), "limit"),
        (custody.ListDeltas(pb.ListDeltasRequest(limit=501)), "limit"),
        (custody.ListDeltas(pb.ListDeltasRequest(limit=5, statuses=[pb.DELTA_KIND_UNSPECIFIED])), "statuses"),
        (
            custody.ListDeltas(pb.ListDeltasRequest(limit=5, after=pb.DeltaFeedKey(account_id="x"))),
            "after.account_id",
        ),
        (custody.ListAccounts(pb.ListAccountsRequest(limit=5, after=pb.AccountKey())), "after.account_id"),
        (custody.ListAccounts(pb.ListAccountsRequest(limit=5, paused=cast(pb.PausedFilter, 3))), "paused"),
        (custody.ListAccountDeltas(pb.ListAccountDeltasRequest(account_id=account.id)), "limit"),
        (
            custody.ListDeltasSince(
                pb.ListDeltasSinceRequest(account_id=account.id, limit=1, statuses=[cast(Kind, 9)])
            ),
            "statuses",
        ),
        (
            custody.ListPendingAccounts(pb.ListPendingAccountsRequest(limit=1, after_account_id="z")),
            "after_account_id",
        ),
        (custody.ListRecentCandidates(pb.ListRecentCandidatesRequest(limit=1)), "window_ms"),
        (custody.ListRecoverableAccounts(pb.ListRecoverableAccountsRequest(limit=1)), "retained_ttl_seconds"),
        (
            custody.ListRecoverableDeltas(pb.ListRecoverableDeltasRequest(account_id=account.id)),
            "retained_ttl_seconds",
        ),
        (custody.ListCandidates(pb.ListCandidatesRequest()), "account_id"),
        (
            custody.ListAdminActions(pb.ListAdminActionsRequest(account_id=account.id, limit=1, before_id=0)),
            "before_id",
        ),
    ]
    for call, field in read_cases:
        await expect_invalid(call, field)
    assert await account.snapshot() == before
