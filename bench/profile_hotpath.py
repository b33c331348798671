"""Profile the signed hot path: POST /delta and GET /state at 16 clients through real processes, with py-spy
sampling the gateway, auth and coordinator while each load runs.

    python bench/profile_hotpath.py [--py-spy PATH] [--requests-per-client N] [--out DIR]

Prints each row's rate and, per process, the functions with the most samples (own time and inclusive);
the raw collapsed stacks stay in DIR (default a temporary folder) for flame graphs. py-spy is not a project
dependency: install it anywhere (e.g. `pip install py-spy` in a scratch venv) and pass its path. Without it
the script only measures.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import (
    BENCH_ENV,
    Cpu,
    create_accounts,
    fixed_lists,
    measured,
    push_lists,
    read_lists,
)
from harness import bench_database

from guardian_client import Cosigner
from guardian_testing.coordinator_client import CoordinatorClient
from guardian_testing.custody_api import write_ack_key
from guardian_testing.fixtures import ServiceStarter
from guardian_testing.fleet import start_fleet, write_allowlist

CLIENTS = 16
TOP = 15


def summarise(raw: Path) -> tuple[list[tuple[str, int]], list[tuple[str, int]], int]:
    """(own samples, inclusive samples, total) by `function (file:line)` from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        frames = [frame for frame in stack.split(";") if frame]
        total += samples
        if frames:
            own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    return own.most_common(TOP), inclusive.most_common(TOP * 2), total


def start_spies(
    py_spy: str | None, pids: dict[str, int], out: Path, row: str
) -> list[tuple[str, Path, subprocess.Popen[bytes]]]:
    if py_spy is None:
        return []
    spies = []
    for name, pid in pids.items():
        path = out / f"{row}-{name}.txt"
        command = [
            py_spy,
            "record",
            "-p",
            str(pid),
            "-f",
            "raw",
            "-r",
            "250",
            "-o",
            str(path),
            "--nonblocking",
            "--subprocesses",
        ]
        spies.append(
            (name, path, subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        )
    return spies


def stop_spies(spies: list[tuple[str, Path, subprocess.Popen[bytes]]]) -> None:
    for _, _, process in spies:
        process.send_signal(signal.SIGINT)
    for name, path, process in spies:
        process.wait(timeout=60)
        if not path.exists():
            print(f"  {name}: no profile written")
            continue
        own, inclusive, total = summarise(path)
        print(f"  {name}: {total} samples; own time:")
        for frame, samples in own:
            print(f"    {samples / total:6.1%}  {frame}")
        print(f"  {name}: inclusive:")
        for frame, samples in inclusive:
            print(f"    {samples / total:6.1%}  {frame}")


async def main(py_spy: str | None, per_client: int, out: Path) -> None:
    with bench_database() as (_, url), tempfile.TemporaryDirectory() as logs:
        starter = ServiceStarter(Path(logs))
        allowlist = Path(logs) / "operators.json"
        write_allowlist(allowlist, [])
        try:
            fleet = start_fleet(
                starter,
                database_url=url,
                allowlist=allowlist,
                coordinators=1,
                auth=1,
                gateways=1,
                env={**BENCH_ENV, "GUARDIAN_ACK_ECDSA_KEY_FILE": str(write_ack_key(Path(logs)))},
            )
            pids = {
                "gateway": fleet.gateways[0].popen.pid,
                "auth": fleet.auth[0].popen.pid,
                "coordinator": fleet.coordinators[0].popen.pid,
            }
            cpu = Cpu({name: [pid] for name, pid in pids.items()})
            base = fleet.gateway_url(0)
            signer = Cosigner.ecdsa()
            async with CoordinatorClient(fleet.coordinator_target) as coordinator:
                pushes = push_lists(
                    signer, await create_accounts(coordinator, signer, CLIENTS * per_client), CLIENTS
                )
                reads = read_lists(signer, await create_accounts(coordinator, signer, CLIENTS), per_client)
            for name, lists in (("POST /delta", pushes), ("GET /state", reads)):
                spies = start_spies(py_spy, pids, out, name.split()[1].strip("/").replace("/", "-"))
                row = await measured(name, CLIENTS, cpu, fixed_lists(base, lists))
                cpu_ms = ", ".join(f"{group} {row.cpu_ms_per_op(group):.2f}" for group in pids)
                print(
                    f"{name} @{CLIENTS}: {row.rate:.1f} req/s, p50 {row.percentile(0.5):.1f} ms, "
                    f"p99 {row.percentile(0.99):.1f} ms, failures {row.failures}; CPU ms/request: {cpu_ms}",
                    flush=True,
                )
                stop_spies(spies)
        finally:
            starter.stop_all()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--py-spy", default=None)
    parser.add_argument("--requests-per-client", type=int, default=60)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="guardian-profile-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"profiles in {out}")
    asyncio.run(main(args.py_spy, args.requests_per_client, out))
