"""The chain adapter against a real devnet process: encoding, classification, faults, call record."""

from __future__ import annotations

import pytest

from guardian.miden import primitives_pb2, rpc_pb2
from guardian_canonicalizer.clients.chain import (
    ChainAdapter,
    ChainUnavailable,
    account_id_bytes,
    digest_hex,
)
from guardian_canonicalizer.domain.observations import Absent, Match, Mismatch
from guardian_devnet.control import DevnetControl
from guardian_devnet.grpc_api import digest_of
from guardian_testing.fixtures import StartService

ACCOUNT = "0x" + "00" * 14 + "0e"
COMMITMENT = "0x" + bytes(range(32)).hex()


def test_the_request_and_digest_encode_as_the_miden_node_expects() -> None:
    request = rpc_pb2.AccountRequest()
    request.account_id.id = bytes(range(15))
    assert request.SerializeToString().hex() == "0a110a0f000102030405060708090a0b0c0d0e"
    wire = digest_of(COMMITMENT).SerializeToString()
    assert wire[0] == (1 << 3) | 1, "d0 is fixed64 (wire type 1), not a varint"
    assert wire[1:9] == bytes(range(8)), "each limb is 8 little-endian bytes, in order"
    assert digest_hex(primitives_pb2.Digest.FromString(wire)) == COMMITMENT
    with pytest.raises(ValueError):
        account_id_bytes("0x1234")


async def test_match_absent_mismatch_and_typed_failures(start_service: StartService) -> None:
    devnet = start_service("guardian-devnet")
    control = DevnetControl(f"http://{devnet.addresses['http']}")
    adapter = ChainAdapter(f"http://{devnet.grpc_target}", timeout_seconds=0.5)
    try:
        assert await adapter.verify_commitment(ACCOUNT, COMMITMENT) == Absent()
        await control.land(ACCOUNT, COMMITMENT)
        assert await adapter.verify_commitment(ACCOUNT, COMMITMENT) == Match()
        other = "0x" + "ff" * 32
        assert await adapter.verify_commitment(ACCOUNT, other) == Mismatch(COMMITMENT)

        await control.fault("unavailable", count=1)
        with pytest.raises(ChainUnavailable, match="UNAVAILABLE"):
            await adapter.verify_commitment(ACCOUNT, COMMITMENT)
        await control.fault("hang", count=1, seconds=2)
        with pytest.raises(ChainUnavailable, match="DEADLINE_EXCEEDED"):
            await adapter.verify_commitment(ACCOUNT, COMMITMENT)

        await control.land(ACCOUNT, other)
        await control.fault("lag", count=1)
        assert await adapter.verify_commitment(ACCOUNT, other) == Mismatch(COMMITMENT), (
            "lagging: previous value"
        )
        assert await adapter.verify_commitment(ACCOUNT, other) == Match()

        await control.remove(ACCOUNT)
        assert await adapter.verify_commitment(ACCOUNT, other) == Absent()
        calls = await control.calls(ACCOUNT)
        assert [c["fault"] for c in calls] == [None, None, None, "unavailable", "hang", "lag", None, None]
    finally:
        await adapter.close()


async def test_an_unreachable_node_is_a_typed_error() -> None:
    adapter = ChainAdapter("http://127.0.0.1:1", timeout_seconds=0.5)
    try:
        with pytest.raises(ChainUnavailable):
            await adapter.verify_commitment(ACCOUNT, COMMITMENT)
    finally:
        await adapter.close()
