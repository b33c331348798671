"""Value types shared by the coordinator's API adapters and its stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Realm(StrEnum):
    OPERATOR = "operator"
    EVM = "evm"


@dataclass(frozen=True)
class Session:
    subject_json: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Issued:
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Challenge:
    key: str
    payload_json: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Lease:
    """A held lease. (name, holder_id, fence_token) is the fence a worker write carries."""

    name: str
    holder_id: str
    fence_token: int
    expires_at: datetime
