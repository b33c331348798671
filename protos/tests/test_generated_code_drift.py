"""The committed generated code must be exactly what protoc produces from the .proto sources."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROTO_ROOT = Path(__file__).resolve().parents[1]


def test_committed_generated_code_matches_protoc_output(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(PROTO_ROOT / "generate.py"), str(tmp_path)], check=True)
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert fresh, "protoc produced nothing"
    drifted = [
        str(rel)
        for rel in fresh
        if not (PROTO_ROOT / rel).exists() or (PROTO_ROOT / rel).read_bytes() != (tmp_path / rel).read_bytes()
    ]
    assert not drifted, f"generated code is stale, run `make protos`: {drifted}"
