"""The devnet's chain: one commitment per account, scripted faults, and a record of every call.

Everything runs on one event loop (the gRPC server and the HTTP control API share it), so no locks.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum

ZERO = "0x" + "00" * 32
ACCOUNT_ID = re.compile(r"^0x[0-9a-f]{30}$")
COMMITMENT = re.compile(r"^0x[0-9a-f]{64}$")


class FaultMode(StrEnum):
    UNAVAILABLE = "unavailable"  # the next `count` calls fail with UNAVAILABLE
    HANG = "hang"  # the next `count` calls wait `seconds` before answering
    LAG = "lag"  # the next `count` calls answer each account's previous commitment
    NONE = "none"  # clear every fault


@dataclass
class Call:
    seq: int
    at: float  # unix time
    account_id: str
    answered: str | None  # the commitment answered, None when the call failed
    fault: str | None  # unavailable | hang | lag | None
    peer: str


@dataclass
class Faults:
    unavailable: int = 0
    hang: int = 0
    hang_seconds: float = 0.0
    lag: int = 0


@dataclass(frozen=True)
class Answer:
    commitment: str | None  # None: fail with UNAVAILABLE
    delay_seconds: float = 0.0


@dataclass
class Ledger:
    commitments: dict[str, str] = field(default_factory=dict)
    previous: dict[str, str] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    calls: list[Call] = field(default_factory=list)
    next_seq: int = 1

    def land(self, account_id: str, commitment: str) -> None:
        """A transaction landed: the account's on-chain commitment is now `commitment`."""
        current = self.commitments.get(account_id, ZERO)
        if current != commitment:
            self.previous[account_id] = current
        self.commitments[account_id] = commitment

    def remove(self, account_id: str) -> bool:
        self.previous.pop(account_id, None)
        return self.commitments.pop(account_id, None) is not None

    def commitment(self, account_id: str) -> str:
        return self.commitments.get(account_id, ZERO)

    def inject(self, mode: FaultMode, count: int, seconds: float) -> None:
        if mode is FaultMode.NONE:
            self.faults = Faults()
        elif mode is FaultMode.UNAVAILABLE:
            self.faults.unavailable = count
        elif mode is FaultMode.HANG:
            self.faults.hang, self.faults.hang_seconds = count, seconds
        else:
            self.faults.lag = count

    def answer(self, account_id: str, peer: str) -> Answer:
        """Decides (and records) one GetAccount call. Faults are consumed in a fixed order."""
        fault: str | None = None
        answer = Answer(self.commitment(account_id))
        if self.faults.unavailable > 0:
            self.faults.unavailable -= 1
            fault, answer = FaultMode.UNAVAILABLE.value, Answer(None)
        elif self.faults.hang > 0:
            self.faults.hang -= 1
            fault, answer = FaultMode.HANG.value, Answer(answer.commitment, self.faults.hang_seconds)
        elif self.faults.lag > 0:
            self.faults.lag -= 1
            fault = FaultMode.LAG.value
            answer = Answer(self.previous.get(account_id, answer.commitment))
        self.calls.append(Call(self.next_seq, time.time(), account_id, answer.commitment, fault, peer))
        self.next_seq += 1
        return answer

    def recorded(self, account_id: str | None, since: int) -> list[dict[str, object]]:
        return [
            asdict(c)
            for c in self.calls
            if c.seq > since and (account_id is None or c.account_id == account_id)
        ]
