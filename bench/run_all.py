"""`make bench`: run every benchmark in this folder and print their reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = [
    "bench_coordinator.py",
    "bench_crypto.py",
    "bench_login.py",
    "bench_canonicalization.py",
    "bench_custody.py",
    "bench_evm.py",  # bench/results/evm.md, linked from REPORT.md
    "bench_report.py",  # last: bench/REPORT.md and its charts
]


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = []
    for name in BENCHES:
        if not (here / name).exists():
            continue
        print(f"### {name}", flush=True)
        if subprocess.run([sys.executable, str(here / name)]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
