"""What this replica reports about itself (the Status RPC reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class StatusBoard:
    holder_id: str
    role: str = "standby"  # leader | standby | stopping
    fence_token: int = 0
    last_pass_kind: str = ""
    last_pass_outcome: str = ""
    last_pass_finished_at: datetime | None = None
    passes: int = 0
    promotions: int = 0
