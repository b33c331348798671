"""The Miden node's `rpc.Api/GetAccount`, answered from the ledger (every other method: UNIMPLEMENTED)."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from guardian.miden import primitives_pb2, rpc_pb2, rpc_pb2_grpc
from guardian_common.grpc_server import guard_request_decoding
from guardian_devnet.ledger import Ledger

SERVICE_NAME = rpc_pb2.DESCRIPTOR.services_by_name["Api"].full_name


def digest_of(commitment: str) -> primitives_pb2.Digest:
    """`0x` + 64 hex → four fixed64 limbs, each from 8 little-endian bytes, in order d0..d3.

    The inverse of the canonicalizer's `clients.chain.digest_hex` (tests check the two agree)."""
    raw = bytes.fromhex(commitment[2:])
    d0, d1, d2, d3 = (int.from_bytes(raw[i : i + 8], "little") for i in range(0, 32, 8))
    return primitives_pb2.Digest(d0=d0, d1=d1, d2=d2, d3=d3)


class NodeApi(rpc_pb2_grpc.ApiServicer):
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    async def GetAccount(
        self, request: rpc_pb2.AccountRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> rpc_pb2.AccountResponse:
        raw = request.account_id.id
        if len(raw) != 15:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "account_id.id: must be 15 bytes")
        account_id = "0x" + raw.hex()
        answer = self._ledger.answer(account_id, context.peer())
        if answer.delay_seconds > 0:
            await asyncio.sleep(answer.delay_seconds)  # the scripted hang
        if answer.commitment is None:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "devnet: injected fault")
        response = rpc_pb2.AccountResponse()
        response.block_num.block_num = len(self._ledger.calls)
        response.witness.account_id.id = raw
        response.witness.witness_id.id = raw
        response.witness.commitment.CopyFrom(digest_of(answer.commitment or ""))
        return response


def register(server: grpc.aio.Server, ledger: Ledger) -> None:
    """`GetAccount` only (any other method: UNIMPLEMENTED), with undecodable request bytes answered
    INVALID_ARGUMENT: the devnet's server is built without GrpcServer's interceptors, so the guard is applied
    to the handler here."""
    api = NodeApi(ledger)
    get_account = grpc.unary_unary_rpc_method_handler(
        api.GetAccount,
        request_deserializer=rpc_pb2.AccountRequest.FromString,
        response_serializer=rpc_pb2.AccountResponse.SerializeToString,
    )
    handlers = {"GetAccount": guard_request_decoding(get_account)}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE_NAME, handlers),))
