"""The `guardian.canonicalizer.v1.Canonicalizer/Status` RPC: a read of this replica's status board."""

from __future__ import annotations

from typing import Any

import grpc

from guardian.canonicalizer.v1 import canonicalizer_pb2 as pb
from guardian.canonicalizer.v1 import canonicalizer_pb2_grpc as pb_grpc
from guardian_canonicalizer.domain.status import StatusBoard

SERVICE_NAMES = [pb.DESCRIPTOR.services_by_name["Canonicalizer"].full_name]


class StatusServicer(pb_grpc.CanonicalizerServicer):
    def __init__(self, board: StatusBoard) -> None:
        self._board = board

    async def Status(
        self, request: pb.StatusRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.StatusResponse:
        board = self._board
        response = pb.StatusResponse(
            holder_id=board.holder_id,
            role=board.role,
            fence_token=board.fence_token,
            last_pass_kind=board.last_pass_kind,
            last_pass_outcome=board.last_pass_outcome,
            passes=board.passes,
            promotions=board.promotions,
            shard_count=board.shard_count,
            longest_renewal_gap_seconds=board.longest_renewal_gap_seconds,
        )
        for shard in board.shards:
            held = response.shards.add(index=shard.index, fence_token=shard.fence_token)
            held.expires_at.FromDatetime(shard.expires_at)
        if board.last_pass_finished_at is not None:
            response.last_pass_finished_at.FromDatetime(board.last_pass_finished_at)
        return response


def register(server: grpc.aio.Server, board: StatusBoard) -> None:
    pb_grpc.add_CanonicalizerServicer_to_server(StatusServicer(board), server)
