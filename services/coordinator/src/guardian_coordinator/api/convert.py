"""Conversions between protobuf messages and domain values."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

from google.protobuf.timestamp_pb2 import Timestamp

from guardian.coordinator.v1 import coordinator_pb2 as pb
from guardian_coordinator.domain.custody import discard_write, promote_write, status_write
from guardian_coordinator.domain.errors import InvalidArgument
from guardian_coordinator.domain.models import (
    Account,
    AccountKey,
    AccountState,
    AdminAction,
    Delta,
    DeltaKind,
    FeedKey,
    FencedWrite,
    Lease,
    Member,
    Promotion,
    Realm,
    ShardHolder,
    ShardRef,
    ShardWorkItem,
    StatusUpdate,
    WorkMode,
)

_REALMS: dict[int, Realm] = {pb.REALM_OPERATOR: Realm.OPERATOR, pb.REALM_EVM: Realm.EVM}


def realm_from_proto(value: int) -> Realm | None:
    return _REALMS.get(value)


def timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def lease_to_proto(lease: Lease) -> pb.Lease:
    return pb.Lease(
        name=lease.name,
        holder_id=lease.holder_id,
        fence_token=lease.fence_token,
        expires_at=timestamp(lease.expires_at),
    )


def lease_from_proto(message: pb.Lease, field: str = "lease") -> Lease:
    """`field` names the lease in the request (`lease`, `renew[2]`…) for an InvalidArgument."""
    return Lease(
        name=message.name,
        holder_id=message.holder_id,
        fence_token=message.fence_token,
        expires_at=instant(f"{field}.expires_at", message.expires_at),
    )


def optional_lease(message: pb.Lease | None) -> Lease | None:
    """None when the request carries no lease at all (the domain refuses it: fail closed)."""
    return None if message is None else lease_from_proto(message)


def optional_timestamp(value: datetime | None) -> Timestamp | None:
    return None if value is None else timestamp(value)


# The range google.protobuf.Timestamp defines (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z). Any int64 fits
# on the wire, so a request can carry more; ToDatetime raises ValueError for it, an UNKNOWN with a traceback.
TIMESTAMP_MIN_SECONDS = -62_135_596_800
TIMESTAMP_MAX_SECONDS = 253_402_300_799
NANOS_PER_SECOND = 1_000_000_000


def instant(field: str, value: Timestamp) -> datetime:
    """A request's Timestamp as an aware UTC datetime; outside the Timestamp range, InvalidArgument naming it."""
    if not TIMESTAMP_MIN_SECONDS <= value.seconds <= TIMESTAMP_MAX_SECONDS:
        raise InvalidArgument(
            f"{field}.seconds",
            f"must be between {TIMESTAMP_MIN_SECONDS} and {TIMESTAMP_MAX_SECONDS} (years 0001 to 9999)",
        )
    if not 0 <= value.nanos < NANOS_PER_SECOND:
        raise InvalidArgument(f"{field}.nanos", f"must be between 0 and {NANOS_PER_SECOND - 1}")
    return value.ToDatetime(tzinfo=UTC)


def proto_name(prefix: str, value: Enum) -> str:
    """A domain outcome as the name of its proto enum value: the names are the same after the prefix."""
    return f"{prefix}_{value.name}"


_PAUSED_FILTERS: dict[int, bool | None] = {
    pb.PAUSED_FILTER_ALL: None,
    pb.PAUSED_FILTER_PAUSED: True,
    pb.PAUSED_FILTER_ACTIVE: False,
}


def paused_from_proto(value: int) -> bool | None:
    """None: every account; True / False: paused / active ones only."""
    if value not in _PAUSED_FILTERS:
        raise InvalidArgument(
            "paused", "must be PAUSED_FILTER_ALL, PAUSED_FILTER_PAUSED or PAUSED_FILTER_ACTIVE"
        )
    return _PAUSED_FILTERS[value]


def kind_from_proto(value: int) -> DeltaKind | None:
    """None for DELTA_KIND_UNSPECIFIED and for numbers this version does not know."""
    name = pb.DeltaKind.Name(value) if value in pb.DeltaKind.values() else ""
    return DeltaKind.__members__.get(name.removeprefix("DELTA_KIND_"))


def kinds_from_proto(values: list[int]) -> list[DeltaKind | None]:
    return [kind_from_proto(value) for value in values]


def feed_key_from_proto(message: pb.DeltaFeedKey | None) -> FeedKey | None:
    """The `after` cursor of a delta feed."""
    if message is None:
        return None
    return FeedKey(
        instant("after.status_timestamp", message.status_timestamp), message.account_id, message.nonce
    )


def account_key_from_proto(message: pb.AccountKey | None) -> AccountKey | None:
    """The `after` cursor of ListAccounts."""
    if message is None:
        return None
    return AccountKey(instant("after.updated_at", message.updated_at), message.account_id)


def account_to_proto(account: Account) -> pb.Account:
    return pb.Account(
        account_id=account.account_id,
        auth_json=account.auth_json,
        network_config_json=account.network_config_json,
        created_at=timestamp(account.created_at),
        updated_at=timestamp(account.updated_at),
        has_pending_candidate=account.has_pending_candidate,
        paused_at=optional_timestamp(account.paused_at),
        paused_reason=account.paused_reason or "",
        released_at=optional_timestamp(account.released_at),
        state_commitment=account.state_commitment or "",
        state_created_at=optional_timestamp(account.state_created_at),
        state_updated_at=optional_timestamp(account.state_updated_at),
    )


def optional_account(account: Account | None) -> pb.Account | None:
    return None if account is None else account_to_proto(account)


def state_to_proto(state: AccountState) -> pb.AccountState:
    return pb.AccountState(
        account_id=state.account_id,
        state_json=state.state_json,
        commitment=state.commitment,
        created_at=timestamp(state.created_at),
        updated_at=timestamp(state.updated_at),
    )


def optional_state(state: AccountState | None) -> pb.AccountState | None:
    return None if state is None else state_to_proto(state)


def delta_to_proto(delta: Delta) -> pb.Delta:
    return pb.Delta(
        account_id=delta.account_id,
        nonce=delta.nonce,
        prev_commitment=delta.prev_commitment,
        new_commitment=delta.new_commitment or "",
        delta_payload_json=delta.delta_payload_json or "",
        ack_sig=delta.ack_sig or "",
        status_json=delta.status_json,
        status_kind=proto_name("DELTA_KIND", delta.status_kind),
        status_timestamp=timestamp(delta.status_timestamp),
        metadata_json=delta.metadata_json or "",
    )


def optional_delta(delta: Delta | None) -> pb.Delta | None:
    return None if delta is None else delta_to_proto(delta)


def admin_action_to_proto(action: AdminAction) -> pb.AdminAction:
    return pb.AdminAction(
        id=action.id,
        account_id=action.account_id,
        action=action.action,
        operator_commitment=action.operator_commitment,
        reason=action.reason or "",
        created_at=timestamp(action.created_at),
        before_state=action.before_state,
        after_state=action.after_state,
    )


# --- Canonicalization (sharded) ---


def shard_ref_from_proto(message: pb.ShardRef | None) -> ShardRef | None:
    return None if message is None else ShardRef(message.index, message.count)


def shard_ref_to_proto(shard: ShardRef) -> pb.ShardRef:
    return pb.ShardRef(index=shard.index, count=shard.count)


_WORK_MODES: dict[int, WorkMode] = {
    pb.WORK_MODE_PENDING: WorkMode.PENDING,
    pb.WORK_MODE_RECENT: WorkMode.RECENT,
    pb.WORK_MODE_RECOVERABLE: WorkMode.RECOVERABLE,
}


def work_mode_from_proto(value: int) -> WorkMode | None:
    """None for WORK_MODE_UNSPECIFIED and for numbers this version does not know."""
    return _WORK_MODES.get(value)


def member_to_proto(member: Member) -> pb.Member:
    return pb.Member(
        replica_id=member.replica_id, shard_count=member.shard_count, expires_at=timestamp(member.expires_at)
    )


def shard_holder_to_proto(holder: ShardHolder) -> pb.ShardHolder:
    return pb.ShardHolder(
        shard=shard_ref_to_proto(holder.shard),
        holder_id=holder.holder_id,
        fence_token=holder.fence_token,
        expires_at=timestamp(holder.expires_at),
        live=holder.live,
    )


def work_item_to_proto(item: ShardWorkItem) -> pb.ShardWorkItem:
    return pb.ShardWorkItem(
        account_id=item.account_id,
        state=optional_state(item.state),
        rows=[delta_to_proto(row) for row in item.rows],
        has_candidate=item.has_candidate,
        paused=item.paused,
    )


def write_from_proto(i: int, message: pb.FencedWrite) -> FencedWrite:
    """One write of a batch, checked as its single-write RPC checks it (fields named `writes[i]…`)."""
    row = f"writes[{i}]."
    op = message.WhichOneof("op")
    if op == "promote":
        p = message.promote
        promotion = Promotion(
            account_id=message.account_id,
            nonce=message.nonce,
            new_commitment=p.new_commitment,
            new_state_json=p.new_state_json,
            auth_json=p.auth_json or None,
            release=p.release,
        )
        return promote_write(row, f"{row}promote.", kind_from_proto(p.source_kind), promotion)
    if op == "discard":
        kind = kind_from_proto(message.discard.kind)
        return discard_write(row, f"{row}discard.", message.account_id, message.nonce, kind)
    if op == "status":
        s = message.status
        update = StatusUpdate(
            account_id=message.account_id,
            nonce=message.nonce,
            reason=s.reason or None,
            retry_count=s.retry_count,
            divergence_count=s.divergence_count,
            abandon_confirm_count=s.abandon_confirm_count,
        )
        return status_write(row, f"{row}status.", kind_from_proto(s.new_kind), update)
    raise InvalidArgument(f"{row}op", "must be one of promote, discard, status")
