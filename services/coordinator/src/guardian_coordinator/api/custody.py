"""The Custody gRPC service. Thin: every decision lives in domain.custody and the store."""

from __future__ import annotations

from typing import Any

import grpc

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian.coordinator.v1 import coordinator_pb2_grpc as pb_grpc
from guardian_coordinator.api.convert import (
    account_key_from_proto,
    account_to_proto,
    admin_action_to_proto,
    delta_to_proto,
    feed_key_from_proto,
    kind_from_proto,
    kinds_from_proto,
    optional_account,
    optional_delta,
    optional_lease,
    optional_state,
    optional_timestamp,
    paused_from_proto,
    proto_name,
    state_to_proto,
)
from guardian_coordinator.api.errors import mapped_errors
from guardian_coordinator.domain.custody import Custody
from guardian_coordinator.domain.models import (
    AuthStamp,
    Delta,
    NewCandidate,
    Page,
    PauseResult,
    Promotion,
    StatusUpdate,
)
from guardian_coordinator.metrics import fenced

Context = grpc.aio.ServicerContext[Any, Any]


def present(message: Any, name: str) -> Any:
    """The sub-message `name`, or None when the request does not set it."""
    return getattr(message, name) if message.HasField(name) else None


def auth_stamp(request: pb.ConfigureAccountRequest | pb.SubmitCandidateRequest) -> AuthStamp | None:
    stamp = present(request, "auth_stamp")
    return None if stamp is None else AuthStamp(stamp.signer_commitment, stamp.timestamp_ms)


def deltas_response(page: Page[Delta] | list[Delta]) -> pb.ListDeltasResponse:
    if isinstance(page, list):
        return pb.ListDeltasResponse(deltas=[delta_to_proto(d) for d in page])
    return pb.ListDeltasResponse(deltas=[delta_to_proto(d) for d in page.items], has_more=page.has_more)


def pause_fields(result: PauseResult) -> dict[str, Any]:
    return {
        "found": result.account is not None,
        "before_state": result.before_state,
        "after_state": result.after_state,
        "account": optional_account(result.account),
    }


class CustodyServicer(pb_grpc.CustodyServicer):
    def __init__(self, custody: Custody) -> None:
        self._custody = custody

    # --- client writes ---
    @mapped_errors
    async def ConfigureAccount(
        self, request: pb.ConfigureAccountRequest, context: Context
    ) -> pb.ConfigureAccountResponse:
        result = await self._custody.configure(
            request.account_id,
            request.auth_json,
            request.network_config_json,
            request.initial_state_json,
            request.initial_commitment,
            auth_stamp(request),
            create_only=request.create_only,
        )
        return pb.ConfigureAccountResponse(
            outcome=proto_name("CONFIGURE_OUTCOME", result.outcome), account=optional_account(result.account)
        )

    @mapped_errors
    async def SubmitCandidate(
        self, request: pb.SubmitCandidateRequest, context: Context
    ) -> pb.SubmitCandidateResponse:
        result = await self._custody.submit_candidate(
            NewCandidate(
                account_id=request.account_id,
                nonce=request.nonce,
                prev_commitment=request.prev_commitment,
                new_commitment=request.new_commitment,
                delta_payload_json=request.delta_payload_json,
                ack_sig=request.ack_sig or None,
                metadata_json=request.metadata_json or None,
                stamp=auth_stamp(request),
            )
        )
        return pb.SubmitCandidateResponse(
            outcome=proto_name("SUBMIT_OUTCOME", result.outcome),
            delta=optional_delta(result.delta),
            expected_commitment=result.expected_commitment or "",
            account=optional_account(result.account),
        )

    @mapped_errors
    async def RecordAbandon(
        self, request: pb.RecordAbandonRequest, context: Context
    ) -> pb.RecordAbandonResponse:
        result = await self._custody.record_abandon(request.account_id, request.nonce)
        return pb.RecordAbandonResponse(
            outcome=proto_name("ABANDON_OUTCOME", result.outcome),
            requested_at=optional_timestamp(result.requested_at),
            delta=optional_delta(result.delta),
            account=optional_account(result.account),
        )

    @mapped_errors
    async def CheckAndAdvanceAuthTimestamp(
        self, request: pb.CheckAndAdvanceAuthTimestampRequest, context: Context
    ) -> pb.CheckAndAdvanceAuthTimestampResponse:
        result = await self._custody.advance_auth_timestamp(
            request.account_id, request.signer_commitment, request.timestamp_ms
        )
        return pb.CheckAndAdvanceAuthTimestampResponse(outcome=proto_name("AUTH_TIMESTAMP_OUTCOME", result))

    @mapped_errors
    async def ReadAsSigner(
        self, request: pb.ReadAsSignerRequest, context: Context
    ) -> pb.ReadAsSignerResponse:
        read = await self._custody.read_as_signer(
            request.account_id,
            request.include_state,
            request.auth_method,
            list(request.candidate_signers),
            request.timestamp_ms,
        )
        if read is None:
            return pb.ReadAsSignerResponse(found=False)
        return pb.ReadAsSignerResponse(
            found=True,
            account=account_to_proto(read.account),
            state=optional_state(read.state),
            signer_commitment=read.signer_commitment or "",
            floor=None if read.floor is None else proto_name("AUTH_TIMESTAMP_OUTCOME", read.floor),
        )

    @mapped_errors
    async def Pause(self, request: pb.PauseRequest, context: Context) -> pb.PauseResponse:
        result = await self._custody.set_paused(
            request.account_id, True, request.operator_commitment, request.reason
        )
        return pb.PauseResponse(**pause_fields(result))

    @mapped_errors
    async def Unpause(self, request: pb.UnpauseRequest, context: Context) -> pb.UnpauseResponse:
        result = await self._custody.set_paused(
            request.account_id, False, request.operator_commitment, request.reason
        )
        return pb.UnpauseResponse(**pause_fields(result))

    # --- fenced worker writes ---
    @mapped_errors
    async def Promote(self, request: pb.PromoteRequest, context: Context) -> pb.PromoteResponse:
        result = await self._custody.promote(
            optional_lease(present(request, "lease")),
            kind_from_proto(request.source_kind),
            Promotion(
                account_id=request.account_id,
                nonce=request.nonce,
                new_commitment=request.new_commitment,
                new_state_json=request.new_state_json,
                auth_json=request.auth_json or None,
                release=request.release,
            ),
        )
        return pb.PromoteResponse(outcome=proto_name("WRITE_OUTCOME", fenced("promote", result)))

    @mapped_errors
    async def Discard(self, request: pb.DiscardRequest, context: Context) -> pb.DiscardResponse:
        result = await self._custody.discard(
            optional_lease(present(request, "lease")),
            request.account_id,
            request.nonce,
            kind_from_proto(request.kind),
        )
        return pb.DiscardResponse(outcome=proto_name("WRITE_OUTCOME", fenced("discard", result)))

    @mapped_errors
    async def UpdateCandidateStatus(
        self, request: pb.UpdateCandidateStatusRequest, context: Context
    ) -> pb.UpdateCandidateStatusResponse:
        result = await self._custody.update_candidate_status(
            optional_lease(present(request, "lease")),
            kind_from_proto(request.new_kind),
            StatusUpdate(
                account_id=request.account_id,
                nonce=request.nonce,
                reason=request.reason or None,
                retry_count=request.retry_count,
                divergence_count=request.divergence_count,
                abandon_confirm_count=request.abandon_confirm_count,
            ),
        )
        return pb.UpdateCandidateStatusResponse(
            outcome=proto_name("WRITE_OUTCOME", fenced("update_candidate_status", result))
        )

    # --- reads ---
    @mapped_errors
    async def GetAccount(self, request: pb.GetAccountRequest, context: Context) -> pb.GetAccountResponse:
        if request.include_state:
            found = await self._custody.get_account_with_state(request.account_id)
            if found is None:
                return pb.GetAccountResponse(found=False)
            account, state = found
            return pb.GetAccountResponse(
                found=True,
                account=account_to_proto(account),
                state=optional_state(state),
            )
        alone = await self._custody.get_account(request.account_id)
        return pb.GetAccountResponse(found=alone is not None, account=optional_account(alone))

    @mapped_errors
    async def GetState(self, request: pb.GetStateRequest, context: Context) -> pb.GetStateResponse:
        state = await self._custody.get_state(request.account_id)
        if state is None:
            return pb.GetStateResponse(found=False)
        return pb.GetStateResponse(found=True, state=state_to_proto(state))

    @mapped_errors
    async def GetDelta(self, request: pb.GetDeltaRequest, context: Context) -> pb.GetDeltaResponse:
        delta = await self._custody.get_delta(request.account_id, request.nonce)
        return pb.GetDeltaResponse(found=delta is not None, delta=optional_delta(delta))

    @mapped_errors
    async def ListDeltasSince(
        self, request: pb.ListDeltasSinceRequest, context: Context
    ) -> pb.ListDeltasResponse:
        return deltas_response(
            await self._custody.list_deltas_since(
                request.account_id,
                request.from_nonce,
                kinds_from_proto(list(request.statuses)),
                request.limit,
            )
        )

    @mapped_errors
    async def ListAccountDeltas(
        self, request: pb.ListAccountDeltasRequest, context: Context
    ) -> pb.ListDeltasResponse:
        before = request.before_nonce if request.HasField("before_nonce") else None
        return deltas_response(
            await self._custody.list_account_deltas(
                request.account_id, kinds_from_proto(list(request.statuses)), before, request.limit
            )
        )

    @mapped_errors
    async def ListDeltas(self, request: pb.ListDeltasRequest, context: Context) -> pb.ListDeltasResponse:
        return deltas_response(
            await self._custody.list_deltas(
                kinds_from_proto(list(request.statuses)),
                feed_key_from_proto(present(request, "after")),
                request.limit,
            )
        )

    @mapped_errors
    async def ListAccounts(
        self, request: pb.ListAccountsRequest, context: Context
    ) -> pb.ListAccountsResponse:
        page = await self._custody.list_accounts(
            paused_from_proto(request.paused),
            account_key_from_proto(present(request, "after")),
            request.limit,
            request.account_id_prefix,
        )
        return pb.ListAccountsResponse(
            accounts=[account_to_proto(a) for a in page.items], has_more=page.has_more
        )

    @mapped_errors
    async def ListPendingAccounts(
        self, request: pb.ListPendingAccountsRequest, context: Context
    ) -> pb.ListAccountIdsResponse:
        page = await self._custody.list_pending_accounts(request.after_account_id, request.limit)
        return pb.ListAccountIdsResponse(account_ids=page.items, has_more=page.has_more)

    @mapped_errors
    async def ListAccountsByCosigner(
        self, request: pb.ListAccountsByCosignerRequest, context: Context
    ) -> pb.ListAccountIdsResponse:
        page = await self._custody.list_accounts_by_cosigner(
            request.cosigner_commitment, request.after_account_id, request.limit
        )
        return pb.ListAccountIdsResponse(account_ids=page.items, has_more=page.has_more)

    @mapped_errors
    async def ListCandidates(
        self, request: pb.ListCandidatesRequest, context: Context
    ) -> pb.ListDeltasResponse:
        return deltas_response(await self._custody.list_candidates(request.account_id))

    @mapped_errors
    async def ListRecentCandidates(
        self, request: pb.ListRecentCandidatesRequest, context: Context
    ) -> pb.ListDeltasResponse:
        return deltas_response(
            await self._custody.list_recent_candidates(
                request.window_ms, feed_key_from_proto(present(request, "after")), request.limit
            )
        )

    @mapped_errors
    async def ListRecoverableAccounts(
        self, request: pb.ListRecoverableAccountsRequest, context: Context
    ) -> pb.ListAccountIdsResponse:
        page = await self._custody.list_recoverable_accounts(
            request.retained_ttl_seconds, request.after_account_id, request.limit
        )
        return pb.ListAccountIdsResponse(account_ids=page.items, has_more=page.has_more)

    @mapped_errors
    async def ListRecoverableDeltas(
        self, request: pb.ListRecoverableDeltasRequest, context: Context
    ) -> pb.ListDeltasResponse:
        return deltas_response(
            await self._custody.list_recoverable_deltas(request.account_id, request.retained_ttl_seconds)
        )

    @mapped_errors
    async def ListAdminActions(
        self, request: pb.ListAdminActionsRequest, context: Context
    ) -> pb.ListAdminActionsResponse:
        before = request.before_id if request.HasField("before_id") else None
        page = await self._custody.list_admin_actions(request.account_id, before, request.limit)
        return pb.ListAdminActionsResponse(
            actions=[admin_action_to_proto(a) for a in page.items], has_more=page.has_more
        )

    @mapped_errors
    async def GetDashboardInfo(
        self, request: pb.GetDashboardInfoRequest, context: Context
    ) -> pb.GetDashboardInfoResponse:
        info = await self._custody.dashboard_info()
        return pb.GetDashboardInfoResponse(
            total_account_count=info.total_account_count,
            accounts_by_auth_method=info.accounts_by_auth_method,
            delta_status_counts=info.delta_status_counts,
            latest_activity=optional_timestamp(info.latest_activity),
        )
