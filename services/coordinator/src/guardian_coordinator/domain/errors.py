"""Errors the coordinator's domain raises; the API adapters map each to one gRPC status code."""

from __future__ import annotations


class InvalidArgument(ValueError):
    """Bad input: nothing was written. `field` names the offending request field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class StoreUnavailable(RuntimeError):
    """The store could not answer (database down, pool exhausted, statement timeout). Retryable."""
