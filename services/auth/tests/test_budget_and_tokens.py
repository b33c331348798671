"""The per-commitment login budget and session tokens."""

from __future__ import annotations

import hashlib

import pytest

from guardian_auth.domain.budget import CommitmentBudget
from guardian_auth.domain.tokens import (
    EVM_TOKEN,
    OPERATOR_TOKEN,
    mint_evm_token,
    mint_operator_token,
    storage_key,
    well_formed,
)
from guardian_common.envelope import ErrorEnvelope


@pytest.mark.parametrize(
    ("burst", "per_min", "replicas", "expected"),
    [(6, 30, 1, (6, 30)), (6, 30, 2, (3, 15)), (6, 30, 5, (1, 6)), (6, 30, 6, (1, 5)), (6, 30, 50, (1, 1))],
)
def test_budget_is_partitioned_with_a_floor_of_one(
    burst: int, per_min: int, replicas: int, expected: tuple[int, int]
) -> None:
    budget = CommitmentBudget(burst, per_min, replicas)
    assert (budget.burst, budget.sustained) == expected


AA = "0x" + "aa" * 32
BB = "0x" + "bb" * 32


def test_budget_counts_per_endpoint_and_commitment_and_answers_429() -> None:
    budget = CommitmentBudget(3, 30, 1)
    for _ in range(3):
        budget.spend("challenge", AA)
    with pytest.raises(ErrorEnvelope) as refused:
        budget.spend("challenge", AA)
    assert refused.value.http_status == 429 and refused.value.code == "rate_limit_exceeded"
    assert refused.value.body()["meta"] == {"retryable": True, "retry_after_secs": 1}
    budget.spend("verify", AA)  # another endpoint has its own bucket
    budget.spend("challenge", BB)  # and so has another commitment


def test_sustained_window_answers_retry_after_sixty() -> None:
    budget = CommitmentBudget(100, 2, 1)
    budget.spend("verify", AA)
    budget.spend("verify", AA)
    with pytest.raises(ErrorEnvelope) as refused:
        budget.spend("verify", AA)
    assert refused.value.meta["retry_after_secs"] == 60


@pytest.mark.parametrize("raw", ["0xaa", "0X" + "aa" * 32, "0x" + "AA" * 32, "x" * 900_000])
def test_only_normalised_commitments_become_keys(raw: str) -> None:
    budget = CommitmentBudget(3, 30, 1)
    with pytest.raises(ValueError):
        budget.spend("verify", raw)
    assert budget.keys() == 0


def test_tokens_are_random_hex_and_only_their_digest_is_a_key() -> None:
    operator, evm = mint_operator_token(), mint_evm_token()
    assert well_formed(operator, OPERATOR_TOKEN) and well_formed(evm, EVM_TOKEN)
    assert not well_formed(evm, OPERATOR_TOKEN) and not well_formed(operator, EVM_TOKEN)
    assert mint_operator_token() != operator
    assert storage_key(evm) == hashlib.sha256(evm.encode()).digest()
    for bad in ("", "zz" * 32, "F" * 64, operator + "0", "0X" + operator):
        assert not well_formed(bad, OPERATOR_TOKEN), bad
