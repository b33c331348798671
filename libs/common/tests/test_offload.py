"""The offload pool's shutdown: close() returns only once the pool is fully stopped, so nothing of it is left
to race the interpreter's exit (a CI run saw auth print an OSError traceback from the pool's exit hook)."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from guardian_common.offload import Offload


def test_close_leaves_no_worker_and_no_manager_thread() -> None:
    async def scenario() -> tuple[Offload, set[int]]:
        offload = Offload(2, 0)
        await offload.start()
        pids = {await offload.run(os.getpid) for _ in range(4)}
        offload.close()
        return offload, pids

    offload, pids = asyncio.run(scenario())
    assert pids and os.getpid() not in pids
    # The state close() must have settled (typeshed mistypes this attribute as the wake-up pipe).
    manager: threading.Thread | None = offload._pool._executor_manager_thread  # type: ignore[assignment]
    assert manager is None or not manager.is_alive()
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
