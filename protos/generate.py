"""Regenerate the committed Python code for every .proto under protos/guardian.

Usage: python protos/generate.py [OUTPUT_DIR]   (default: protos/, in place)
The drift test calls this with a temporary directory and compares the results.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc  # type: ignore[import-untyped]

PROTO_ROOT = Path(__file__).resolve().parent


def proto_sources() -> list[Path]:
    return sorted(PROTO_ROOT.joinpath("guardian").rglob("*.proto"))


def generated_names(proto: Path) -> list[str]:
    stem = proto.with_suffix("")
    return [f"{stem}_pb2.py", f"{stem}_pb2.pyi", f"{stem}_pb2_grpc.py"]


def generate(output_dir: Path) -> list[Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    well_known = str(resources.files("grpc_tools") / "_proto")
    relative = [str(p.relative_to(PROTO_ROOT)) for p in proto_sources()]
    status = protoc.main(
        [
            "grpc_tools.protoc",
            f"-I{PROTO_ROOT}",
            f"-I{well_known}",
            f"--python_out={output_dir}",
            f"--pyi_out={output_dir}",
            f"--grpc_python_out={output_dir}",
            *relative,
        ]
    )
    if status != 0:
        raise SystemExit(f"protoc failed with status {status}")
    outputs: list[Path] = []
    for rel in relative:
        outputs.extend(output_dir / name for name in generated_names(Path(rel)))
    return outputs


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else PROTO_ROOT
    for path in generate(target):
        print(path)
