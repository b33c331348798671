"""What this replica reports about itself (the Status RPC reads it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ShardStatus:
    index: int
    fence_token: int
    expires_at: datetime  # database clock, as of the last renewal


@dataclass
class StatusBoard:
    holder_id: str
    shard_count: int = 1
    role: str = "standby"  # leader (holds at least one shard) | standby | stopping
    shards: list[ShardStatus] = field(default_factory=list)  # index ASC
    longest_renewal_gap_seconds: float = 0.0
    last_pass_kind: str = ""
    last_pass_outcome: str = ""
    last_pass_finished_at: datetime | None = None
    passes: int = 0
    promotions: int = 0

    @property
    def fence_token(self) -> int:
        """The highest fence among the held shards (with S = 1: the lease's fence), 0 when none."""
        return max((s.fence_token for s in self.shards), default=0)
