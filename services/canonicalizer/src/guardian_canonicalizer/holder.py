"""The lease holder id: the instance id plus a random per-boot suffix, so a restart is a new holder."""

from __future__ import annotations

import os
import secrets
import socket


def holder_id(instance_id: str | None) -> str:
    base = (instance_id or "").strip() or f"{socket.gethostname()}-{os.getpid()}"
    return f"{base}-{secrets.token_hex(8)}"
