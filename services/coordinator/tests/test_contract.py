"""The coordinator contract, through gRPC against a real coordinator process, on both backends."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

import grpc
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_testing.coordinator_client import CoordinatorClient

OPERATOR, EVM = pb.REALM_OPERATOR, pb.REALM_EVM


def digest() -> bytes:
    return secrets.token_bytes(32)


def name(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


async def expect_invalid(call: object, field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in (caught.value.details() or "")


# --- Describe -------------------------------------------------------------------------------------


async def test_describe_reports_the_resolved_backend(client: CoordinatorClient) -> None:
    described = await client.coordination.Describe(pb.DescribeRequest())
    assert (described.mode, described.backend) in {("shared", "postgres"), ("single-process", "memory")}
    assert described.supports_fencing
    assert described.schema_revision
    assert described.version


# --- Sessions -------------------------------------------------------------------------------------


async def test_inserted_session_is_found_until_revoked(client: CoordinatorClient) -> None:
    key, subject = digest(), {"realm": "operator", "operator_id": "op-1", "commitment": "0x" + "ab" * 32}
    inserted = await client.sessions.Insert(
        pb.InsertRequest(realm=OPERATOR, token_digest=key, subject_json=json.dumps(subject), ttl_seconds=3600)
    )
    assert inserted.expires_at.seconds - inserted.issued_at.seconds == 3600

    found = await client.sessions.Get(pb.GetRequest(realm=OPERATOR, token_digest=key))
    assert found.found and json.loads(found.subject_json) == subject
    assert found.expires_at == inserted.expires_at

    revoked = await client.sessions.Revoke(pb.RevokeRequest(realm=OPERATOR, token_digest=key))
    assert revoked.revoked and json.loads(revoked.subject_json) == subject
    assert not (await client.sessions.Get(pb.GetRequest(realm=OPERATOR, token_digest=key))).found
    again = await client.sessions.Revoke(pb.RevokeRequest(realm=OPERATOR, token_digest=key))
    assert not again.revoked, "revoking twice is harmless and reports nothing revoked"


async def test_unknown_session_is_not_found(client: CoordinatorClient) -> None:
    assert not (await client.sessions.Get(pb.GetRequest(realm=EVM, token_digest=digest()))).found
    assert not (await client.sessions.Revoke(pb.RevokeRequest(realm=EVM, token_digest=digest()))).revoked


async def test_concurrent_lookups_each_get_their_own_answer_and_see_a_revocation_at_once(
    client: CoordinatorClient,
) -> None:
    # On Postgres concurrent lookups share statements (coalesced_reads.py): no answer may be crossed
    # with another caller's, and none may predate its request.
    subjects = {digest(): {"operator_id": f"op-{i}"} for i in range(48)}
    await asyncio.gather(
        *(
            client.sessions.Insert(
                pb.InsertRequest(realm=OPERATOR, token_digest=k, subject_json=json.dumps(s), ttl_seconds=600)
            )
            for k, s in subjects.items()
        )
    )
    live = list(subjects)
    asked = [*live, *(digest() for _ in range(16)), *live[:8]]
    answers = await asyncio.gather(
        *(client.sessions.Get(pb.GetRequest(realm=OPERATOR, token_digest=k)) for k in asked)
    )
    for key, answer in zip(asked, answers, strict=True):
        assert answer.found == (key in subjects)
        if answer.found:
            assert json.loads(answer.subject_json) == subjects[key]
    other_realm = await asyncio.gather(
        *(client.sessions.Get(pb.GetRequest(realm=EVM, token_digest=k)) for k in live[:8])
    )
    assert not any(answer.found for answer in other_realm)

    stop = asyncio.Event()

    async def keep_reading(offset: int) -> None:
        # Also the keys about to be revoked, so that a statement for the same key is often running when
        # the lookup after the revocation arrives.
        while not stop.is_set():
            key = live[offset % 48]
            found = (await client.sessions.Get(pb.GetRequest(realm=OPERATOR, token_digest=key))).found
            assert found or key in live[:8]
            offset += 1

    load = [asyncio.create_task(keep_reading(i)) for i in range(16)]
    try:
        for key in live[:8]:
            assert (await client.sessions.Revoke(pb.RevokeRequest(realm=OPERATOR, token_digest=key))).revoked
            after = await client.sessions.Get(pb.GetRequest(realm=OPERATOR, token_digest=key))
            assert not after.found, "a lookup sent after the revocation returned must not find the session"
    finally:
        stop.set()
        await asyncio.gather(*load)


async def test_the_same_digest_in_two_realms_is_two_sessions(client: CoordinatorClient) -> None:
    key = digest()
    await client.sessions.Insert(
        pb.InsertRequest(realm=OPERATOR, token_digest=key, subject_json='{"who": "operator"}', ttl_seconds=60)
    )
    assert not (await client.sessions.Get(pb.GetRequest(realm=EVM, token_digest=key))).found
    await client.sessions.Insert(
        pb.InsertRequest(realm=EVM, token_digest=key, subject_json='{"who": "evm"}', ttl_seconds=60)
    )
    await client.sessions.Revoke(pb.RevokeRequest(realm=EVM, token_digest=key))
    operator = await client.sessions.Get(pb.GetRequest(realm=OPERATOR, token_digest=key))
    assert operator.found and json.loads(operator.subject_json) == {"who": "operator"}


async def test_reinserting_a_revoked_key_makes_it_live_again(client: CoordinatorClient) -> None:
    key = digest()
    request = pb.InsertRequest(realm=EVM, token_digest=key, subject_json='{"address": "0x1"}', ttl_seconds=60)
    await client.sessions.Insert(request)
    await client.sessions.Revoke(pb.RevokeRequest(realm=EVM, token_digest=key))
    await client.sessions.Insert(request)
    assert (await client.sessions.Get(pb.GetRequest(realm=EVM, token_digest=key))).found


async def test_expired_session_is_neither_found_nor_revocable_and_is_swept(client: CoordinatorClient) -> None:
    key = digest()
    await client.sessions.Insert(
        pb.InsertRequest(realm=OPERATOR, token_digest=key, subject_json="{}", ttl_seconds=2)
    )
    assert (await client.sessions.Get(pb.GetRequest(realm=OPERATOR, token_digest=key))).found
    await asyncio.sleep(2.2)  # the session's own lifetime; there is nothing to await instead
    assert not (await client.sessions.Get(pb.GetRequest(realm=OPERATOR, token_digest=key))).found
    assert not (await client.sessions.Revoke(pb.RevokeRequest(realm=OPERATOR, token_digest=key))).revoked
    assert (await client.sessions.SweepSessions(pb.SweepSessionsRequest())).deleted >= 1


# --- Challenges -----------------------------------------------------------------------------------


def issue(
    principal: str, key: str, ttl: int = 300, max_outstanding: int = 8, realm: pb.Realm = OPERATOR
) -> pb.IssueRequest:
    payload = json.dumps({"kind": "operator_digest", "signing_digest": key})
    return pb.IssueRequest(
        realm=realm,
        principal=principal,
        key=key,
        payload_json=payload,
        ttl_seconds=ttl,
        max_outstanding=max_outstanding,
    )


async def active_keys(client: CoordinatorClient, principal: str, realm: pb.Realm = OPERATOR) -> set[str]:
    listed = await client.challenges.ListActive(pb.ListActiveRequest(realm=realm, principal=principal))
    return {c.key for c in listed.challenge}


async def test_challenge_is_consumed_exactly_once(client: CoordinatorClient) -> None:
    principal, key = name("p"), name("k")
    issued = await client.challenges.Issue(issue(principal, key))
    assert issued.expires_at.seconds - issued.issued_at.seconds == 300
    listed = await client.challenges.ListActive(pb.ListActiveRequest(realm=OPERATOR, principal=principal))
    assert [json.loads(c.payload_json)["signing_digest"] for c in listed.challenge] == [key]

    consume = pb.ConsumeRequest(realm=OPERATOR, principal=principal, key=key)
    assert (await client.challenges.Consume(consume)).won
    assert not (await client.challenges.Consume(consume)).won
    assert await active_keys(client, principal) == set()


async def test_challenge_is_consumed_only_by_its_principal_and_realm(client: CoordinatorClient) -> None:
    principal, key = name("p"), name("k")
    await client.challenges.Issue(issue(principal, key))
    assert not (
        await client.challenges.Consume(pb.ConsumeRequest(realm=OPERATOR, principal="other", key=key))
    ).won
    assert not (
        await client.challenges.Consume(pb.ConsumeRequest(realm=EVM, principal=principal, key=key))
    ).won
    assert (
        await client.challenges.Consume(pb.ConsumeRequest(realm=OPERATOR, principal=principal, key=key))
    ).won


async def test_only_the_newest_pending_challenges_are_kept(client: CoordinatorClient) -> None:
    principal = name("p")
    keys = [f"{principal}-{i}" for i in range(10)]
    for key in keys:
        await client.challenges.Issue(issue(principal, key, max_outstanding=8))
    assert await active_keys(client, principal) == set(keys[2:])


async def test_consumed_challenges_do_not_count_toward_the_cap(client: CoordinatorClient) -> None:
    principal = name("p")
    for i in range(3):
        await client.challenges.Issue(issue(principal, f"{principal}-{i}", max_outstanding=3))
    assert (
        await client.challenges.Consume(
            pb.ConsumeRequest(realm=OPERATOR, principal=principal, key=f"{principal}-0")
        )
    ).won
    await client.challenges.Issue(issue(principal, f"{principal}-3", max_outstanding=3))
    assert await active_keys(client, principal) == {f"{principal}-1", f"{principal}-2", f"{principal}-3"}
    # The consumed one stays consumed: it cannot be won again.
    assert not (
        await client.challenges.Consume(
            pb.ConsumeRequest(realm=OPERATOR, principal=principal, key=f"{principal}-0")
        )
    ).won


async def test_expired_challenge_cannot_be_consumed(client: CoordinatorClient) -> None:
    principal, key = name("p"), name("k")
    await client.challenges.Issue(issue(principal, key, ttl=1))
    await asyncio.sleep(1.2)  # the challenge's own lifetime
    assert await active_keys(client, principal) == set()
    assert not (
        await client.challenges.Consume(pb.ConsumeRequest(realm=OPERATOR, principal=principal, key=key))
    ).won
    assert (await client.challenges.SweepChallenges(pb.SweepChallengesRequest())).deleted >= 1


async def test_reissued_key_replaces_the_old_challenge(client: CoordinatorClient) -> None:
    principal, key = name("p"), name("k")
    await client.challenges.Issue(issue(principal, key))
    assert (
        await client.challenges.Consume(pb.ConsumeRequest(realm=OPERATOR, principal=principal, key=key))
    ).won
    await client.challenges.Issue(issue(principal, key))
    assert await active_keys(client, principal) == {key}


# --- Leases ---------------------------------------------------------------------------------------


async def acquire(
    client: CoordinatorClient, lease: str, holder: str, ttl_ms: int = 60_000
) -> pb.AcquireResponse:
    response: pb.AcquireResponse = await client.leases.Acquire(
        pb.AcquireRequest(name=lease, holder_id=holder, ttl_ms=ttl_ms)
    )
    return response


async def test_lease_has_one_holder_at_a_time(client: CoordinatorClient) -> None:
    lease = name("lease")
    first = await acquire(client, lease, "a")
    assert first.acquired and first.lease.holder_id == "a" and first.lease.fence_token >= 1
    assert not (await acquire(client, lease, "b")).acquired
    again = await acquire(client, lease, "a")
    assert again.acquired and again.lease.fence_token == first.lease.fence_token, (
        "same holder keeps its token"
    )

    renewed = await client.leases.Renew(pb.RenewRequest(lease=first.lease, ttl_ms=60_000))
    assert renewed.held
    assert (await client.leases.Verify(pb.VerifyRequest(lease=first.lease))).held
    forged = pb.Lease(name=lease, holder_id="a", fence_token=first.lease.fence_token + 1)
    assert not (await client.leases.Renew(pb.RenewRequest(lease=forged, ttl_ms=60_000))).held
    assert not (await client.leases.Verify(pb.VerifyRequest(lease=forged))).held


async def test_expired_lease_passes_to_another_holder_with_a_larger_token(client: CoordinatorClient) -> None:
    lease = name("lease")
    old = (await acquire(client, lease, "a", ttl_ms=300)).lease
    await asyncio.sleep(0.4)  # the lease's own TTL
    new = await acquire(client, lease, "b")
    assert new.acquired and new.lease.fence_token == old.fence_token + 1
    assert not (await client.leases.Renew(pb.RenewRequest(lease=old, ttl_ms=60_000))).held
    assert not (await client.leases.Verify(pb.VerifyRequest(lease=old))).held
    assert (await client.leases.Verify(pb.VerifyRequest(lease=new.lease))).held


async def test_release_hands_over_at_once_and_tokens_keep_growing(client: CoordinatorClient) -> None:
    lease = name("lease")
    tokens = []
    for holder in ("a", "b", "a"):
        got = await acquire(client, lease, holder)
        assert got.acquired, f"{holder} should acquire right after a release"
        tokens.append(got.lease.fence_token)
        await client.leases.Release(pb.ReleaseRequest(lease=got.lease))
        assert not (await client.leases.Verify(pb.VerifyRequest(lease=got.lease))).held
    assert tokens == sorted(set(tokens)) and len(tokens) == 3


async def test_release_by_a_stale_holder_changes_nothing(client: CoordinatorClient) -> None:
    lease = name("lease")
    current = (await acquire(client, lease, "a")).lease
    stale = pb.Lease(name=lease, holder_id="a", fence_token=current.fence_token + 5)
    await client.leases.Release(pb.ReleaseRequest(lease=stale))
    await client.leases.Release(
        pb.ReleaseRequest(lease=pb.Lease(name=lease, holder_id="b", fence_token=current.fence_token))
    )
    assert (await client.leases.Verify(pb.VerifyRequest(lease=current))).held


# --- Bad input ------------------------------------------------------------------------------------


async def test_bad_session_input_is_refused_and_nothing_is_written(client: CoordinatorClient) -> None:
    key = digest()
    good: dict[str, Any] = {"realm": OPERATOR, "token_digest": key, "subject_json": "{}", "ttl_seconds": 60}
    overrides: list[tuple[dict[str, Any], str]] = [
        ({"token_digest": key[:31]}, "token_digest"),
        ({"token_digest": b""}, "token_digest"),
        ({"realm": pb.REALM_UNSPECIFIED}, "realm"),
        ({"realm": 42}, "realm"),
        ({"ttl_seconds": 0}, "ttl_seconds"),
        ({"ttl_seconds": -5}, "ttl_seconds"),
        ({"subject_json": "not json"}, "subject_json"),
        ({"subject_json": "[1, 2]"}, "subject_json"),
        ({"subject_json": '{"a": "\\u0000"}'}, "subject_json"),
        ({"subject_json": json.dumps({"big": "x" * 70_000})}, "subject_json"),
        ({"subject_json": "[" * 30_000}, "subject_json"),
    ]
    for override, field in overrides:
        await expect_invalid(client.sessions.Insert(pb.InsertRequest(**{**good, **override})), field)
    assert not (await client.sessions.Get(pb.GetRequest(realm=OPERATOR, token_digest=key))).found
    await expect_invalid(
        client.sessions.Get(pb.GetRequest(realm=OPERATOR, token_digest=b"short")), "token_digest"
    )
    await expect_invalid(
        client.sessions.Revoke(pb.RevokeRequest(realm=pb.REALM_UNSPECIFIED, token_digest=key)), "realm"
    )


async def test_bad_challenge_input_is_refused_and_nothing_is_written(client: CoordinatorClient) -> None:
    principal = name("p")
    overrides: list[tuple[dict[str, Any], str]] = [
        ({"principal": ""}, "principal"),
        ({"principal": "   "}, "principal"),
        ({"key": ""}, "key"),
        ({"ttl_seconds": 0}, "ttl_seconds"),
        ({"max_outstanding": 0}, "max_outstanding"),
        ({"realm": pb.REALM_UNSPECIFIED}, "realm"),
        ({"payload_json": "{"}, "payload_json"),
        ({"payload_json": json.dumps({"big": "x" * (64 * 1024)})}, "payload_json"),
    ]
    for override, field in overrides:
        request = issue(principal, name("k"))
        for attr, value in override.items():
            setattr(request, attr, value)
        await expect_invalid(client.challenges.Issue(request), field)
    assert await active_keys(client, principal) == set()
    await expect_invalid(
        client.challenges.Consume(pb.ConsumeRequest(realm=OPERATOR, principal=principal, key="")), "key"
    )
    await expect_invalid(
        client.challenges.ListActive(pb.ListActiveRequest(realm=OPERATOR, principal="")), "principal"
    )


async def test_bad_lease_input_is_refused_and_nothing_is_written(client: CoordinatorClient) -> None:
    lease = name("lease")
    await expect_invalid(
        client.leases.Acquire(pb.AcquireRequest(name="", holder_id="a", ttl_ms=1000)), "name"
    )
    await expect_invalid(
        client.leases.Acquire(pb.AcquireRequest(name=lease, holder_id="", ttl_ms=1000)), "holder_id"
    )
    await expect_invalid(
        client.leases.Acquire(pb.AcquireRequest(name=lease, holder_id="a", ttl_ms=0)), "ttl_ms"
    )
    await expect_invalid(
        client.leases.Renew(
            pb.RenewRequest(lease=pb.Lease(name=lease, holder_id="a", fence_token=1), ttl_ms=-1)
        ),
        "ttl_ms",
    )
    await expect_invalid(
        client.leases.Verify(pb.VerifyRequest(lease=pb.Lease(name="", holder_id="a", fence_token=1))),
        "lease.name",
    )
    assert (await acquire(client, lease, "someone")).lease.fence_token == 1, "nothing was written before"
