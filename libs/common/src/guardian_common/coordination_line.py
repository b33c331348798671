"""The one startup line every service prints, built from the resolved coordination state."""

from __future__ import annotations


def coordination_line(*, mode: str, backend: str, stage: str, max_replicas: int, cursor_secret: str) -> str:
    return (
        f"coordination mode={mode} backend={backend} stage={stage} "
        f"max_replicas={max_replicas} cursor_secret={cursor_secret}"
    )


def say(line: str) -> None:
    """Startup facts go to stdout, one line each, so operators and tests can read them."""
    print(line, flush=True)


def announce(
    service: str,
    listening: str,
    *,
    mode: str,
    backend: str,
    stage: str,
    max_replicas: int,
    cursor_secret: str,
) -> None:
    """The two startup lines every service prints: where it listens, and its coordination line."""
    say(f"{service} listening {listening}")
    say(
        coordination_line(
            mode=mode, backend=backend, stage=stage, max_replicas=max_replicas, cursor_secret=cursor_secret
        )
    )
