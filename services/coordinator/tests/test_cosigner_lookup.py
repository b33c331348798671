"""ListAccountsByCosigner (GET /state/lookup) on both backends: the accounts whose Miden auth lists a
commitment, account_id ascending, in keyset pages; other auths never match; bad arguments are refused."""

from __future__ import annotations

import json
import secrets

import grpc
import pytest

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import new_account_id


def new_commitment() -> str:
    return "0x" + secrets.token_hex(32)


async def configure(client: CoordinatorClient, auth: dict[str, object]) -> str:
    account_id = new_account_id()
    response = await client.custody.ConfigureAccount(
        pb.ConfigureAccountRequest(
            account_id=account_id,
            auth_json=json.dumps(auth),
            initial_state_json="{}",
            initial_commitment=new_commitment(),
        )
    )
    assert response.outcome == pb.CONFIGURE_OUTCOME_CREATED
    return account_id


async def all_pages(client: CoordinatorClient, commitment: str, limit: int) -> list[str]:
    ids: list[str] = []
    while True:
        page = await client.custody.ListAccountsByCosigner(
            pb.ListAccountsByCosignerRequest(
                cosigner_commitment=commitment, limit=limit, after_account_id=ids[-1] if ids else ""
            )
        )
        ids.extend(page.account_ids)
        if not page.has_more:
            return ids


async def test_accounts_of_a_cosigner(client: CoordinatorClient) -> None:
    key, other = new_commitment(), new_commitment()
    mine = [
        await configure(client, {"MidenEcdsa": {"cosigner_commitments": [key]}}),
        await configure(client, {"MidenFalconRpo": {"cosigner_commitments": [other, key]}}),
        await configure(client, {"MidenEcdsa": {"cosigner_commitments": [new_commitment(), key]}}),
    ]
    await configure(client, {"MidenEcdsa": {"cosigner_commitments": [other]}})
    # Another auth method naming the key in the same shape is not a cosigner list of a Miden account.
    await configure(client, {"EvmEcdsa": {"cosigner_commitments": [key]}})

    for limit in (1, 2, 500):
        assert await all_pages(client, key, limit) == sorted(mine)
    assert await all_pages(client, new_commitment(), 10) == []


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.ListAccountsByCosignerRequest(cosigner_commitment="0x12", limit=10), "cosigner_commitment"),
        (
            pb.ListAccountsByCosignerRequest(cosigner_commitment="0x" + "AB" * 32, limit=10),
            "cosigner_commitment",
        ),
        (pb.ListAccountsByCosignerRequest(cosigner_commitment="0x" + "ab" * 32, limit=0), "limit"),
        (
            pb.ListAccountsByCosignerRequest(
                cosigner_commitment="0x" + "ab" * 32, limit=1, after_account_id="x"
            ),
            "after_account_id",
        ),
    ],
)
async def test_bad_arguments(
    client: CoordinatorClient, request_: pb.ListAccountsByCosignerRequest, field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await client.custody.ListAccountsByCosigner(request_)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in (caught.value.details() or "")
