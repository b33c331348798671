"""The one startup line every service prints, built from the resolved coordination state."""

from __future__ import annotations

import re

# `<service> listening grpc=HOST:PORT [listening http=HOST:PORT]`: what supervisors and tests wait for.
LISTENING = re.compile(r"listening (?P<kind>grpc|http)=(?P<address>\S+)")


def listening_addresses(line: str) -> dict[str, str]:
    """`{"grpc": "127.0.0.1:50051", "http": ...}` from a service's listening line (empty if it is not one)."""
    return {match["kind"]: match["address"] for match in LISTENING.finditer(line)}


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
