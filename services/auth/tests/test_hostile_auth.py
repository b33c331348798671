"""Hostile input against auth's domain (issue 13 part 4): login-budget keys stay bounded in size and count,
and the worker pool for digests refuses at once when saturated instead of queueing without bound."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any, cast

import pytest

from guardian_auth.domain.allowlist import StaticAllowlist
from guardian_auth.domain.budget import MALFORMED, CommitmentBudget
from guardian_auth.domain.operator import MAX_COMMITMENT_CHARS, OperatorLogins
from guardian_auth.domain.request_auth import RequestAuthenticator, Scheme, SignedRequest
from guardian_auth.domain.stores import FloorOutcome, LoginStore
from guardian_common.envelope import ErrorEnvelope
from guardian_common.offload import Offload
from guardian_crypto import ecdsa
from guardian_crypto.digests import request_digest
from guardian_crypto.field import word_to_hex

ACCOUNT = "0x" + "ab" * 15


class UntouchedStore:
    """Every refusal under test happens before the store; touching it fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the store was called ({name}) for a request that must be refused first")


class Floors:
    def __init__(self) -> None:
        self.advanced: list[tuple[str, str, int]] = []

    async def advance(self, account_id: str, signer_commitment: str, timestamp_ms: int) -> FloorOutcome:
        self.advanced.append((account_id, signer_commitment, timestamp_ms))
        return FloorOutcome.ACCEPTED


def logins(budget: CommitmentBudget) -> OperatorLogins:
    return OperatorLogins(
        cast(LoginStore, UntouchedStore()),
        StaticAllowlist(),
        budget,
        challenge_ttl_seconds=300,
        session_ttl_seconds=3600,
    )


async def test_malformed_verify_commitments_never_become_keys() -> None:
    """The measured case: 60 verifies with 900 KB malformed commitments. Each is 401 and no key is made."""
    budget = CommitmentBudget(6, 30, 1)
    operator = logins(budget)
    for i in range(60):
        with pytest.raises(ErrorEnvelope) as refused:
            await operator.verify("zz" * 450_000 + str(i), "0x00")
        assert refused.value.code == "authentication_failed"
    assert budget.keys() == 0


async def test_challenge_keys_are_normalised_or_the_one_malformed_bucket() -> None:
    budget = CommitmentBudget(1000, 100_000, 1)
    operator = logins(budget)
    word = "ab" * 32
    for spelling in ("0x" + word, "0X" + word.upper(), word, "0x" + word + "ff" * 100):
        challenge = await operator.issue_challenge(spelling)
        assert challenge.commitment == "0x" + word  # a decoy (nothing allowlisted), normalised
    for i in range(500):
        decoy = await operator.issue_challenge(f"not hex {i}")
        assert decoy.commitment == f"not hex {i}"  # echoed raw, as the contract says, but not a key
    with pytest.raises(ErrorEnvelope) as refused:
        await operator.issue_challenge("0x" + "ab" * MAX_COMMITMENT_CHARS)
    assert (refused.value.http_status, refused.value.code) == (400, "invalid_input")
    # Burst and sustained keys for the one normalised commitment and for the one malformed bucket.
    assert budget.keys() == 4
    budget.spend("challenge", MALFORMED)  # that bucket exists and is shared (here: not yet used up)
    for _ in range(5):
        await operator.issue_challenge("0x" + secrets.token_hex(8) + "00" * 24)
    assert budget.keys() == 14


async def test_a_saturated_pool_refuses_at_once_with_a_retryable_503() -> None:
    pool = Offload(workers=1, queue=1)
    try:
        await pool.start()
        running = [asyncio.ensure_future(pool.run(time.sleep, 1.0)) for _ in range(2)]
        await asyncio.sleep(0)
        started = time.monotonic()
        with pytest.raises(ErrorEnvelope) as busy:
            await pool.run(time.sleep, 0)
        assert time.monotonic() - started < 0.5
        assert (busy.value.http_status, busy.value.code, busy.value.retryable) == (
            503,
            "service_unavailable",
            True,
        )
        assert busy.value.meta == {"retry_after_secs": 1}
        await asyncio.gather(*running)
        assert pool.in_flight == 0
        await pool.run(time.sleep, 0)  # capacity is back
    finally:
        pool.close()


async def test_a_large_payload_is_verified_in_a_worker_process() -> None:
    """A 1 MB payload with a bogus signature is refused (401) by a worker; a good one is accepted."""
    pool = Offload(workers=1, queue=0)
    floors = Floors()
    now = 1_700_000_000_000
    authenticator = RequestAuthenticator(floors, clock_ms=lambda: now, offload=pool)
    secret = secrets.token_bytes(32)
    public = ecdsa.public_key_from_secret(secret)
    cosigner = word_to_hex(ecdsa.public_key_commitment(public))
    payload = b'{"patch":"' + b"x" * 1_000_000 + b'"}'

    def request(signature: str) -> SignedRequest:
        return SignedRequest(
            ACCOUNT, "0x" + public.hex(), signature, str(now), payload, Scheme.ECDSA, [cosigner], True
        )

    try:
        with pytest.raises(ErrorEnvelope) as refused:
            await authenticator.verify(request("0x" + "11" * 65))
        assert refused.value.code == "authentication_failed"
        assert floors.advanced == []
        good = ecdsa.sign(secret, request_digest(ACCOUNT, now, payload)).hex()
        verified = await authenticator.verify(request(good))
        assert verified.signer_commitment == cosigner
        assert floors.advanced == [(ACCOUNT, cosigner, now)]
    finally:
        pool.close()
