"""The one interface every network type implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class InvalidDelta(ValueError):
    """The payload cannot be applied to the state (bad shape, or a result with no canonical form)."""


@dataclass(frozen=True)
class Transition:
    new_state: dict[str, Any]
    commitment: str  # Word hex


class NetworkType(Protocol):
    name: str

    def commitment(self, state: dict[str, Any]) -> str:
        """The commitment of a state, as Word hex."""
        ...

    def apply(self, state: dict[str, Any], payload: dict[str, Any]) -> Transition:
        """The state after the delta, and its commitment. Raises InvalidDelta."""
        ...
