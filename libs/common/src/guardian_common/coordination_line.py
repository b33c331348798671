"""The one startup line every service prints, built from the resolved coordination state."""

from __future__ import annotations


def coordination_line(*, mode: str, backend: str, stage: str, max_replicas: int, cursor_secret: str) -> str:
    return (
        f"coordination mode={mode} backend={backend} stage={stage} "
        f"max_replicas={max_replicas} cursor_secret={cursor_secret}"
    )
