"""Allow an operator key to log in: add it to an operator allowlist (`make allow-operator KEY=FILE`).

    .venv/bin/python scripts/allow_operator.py --key my-operator.key
    .venv/bin/python scripts/allow_operator.py --public-key 0x... --permissions dashboard:read,accounts:pause
    .venv/bin/python scripts/allow_operator.py --key FILE --allowlist .run/fleet/operators.json

--key reads a key file as `guardian-operator keygen` writes it (only its public key is stored);
--public-key takes the public key alone, as an operator would hand it over. The key is added, or its
permissions replaced, and every other entry is kept. The default allowlist is the one `make run` uses
(.run/operators.json, under GUARDIAN_RUN_DIR when set); running services pick the change up without a
restart (auth re-reads the file when it changes). Exit status: 0 done, 1 unusable input, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # `scripts._devfiles` is shared with scripts/run_stack.py

from guardian_auth.domain.allowlist import KNOWN_PERMISSIONS, AllowlistError  # noqa: E402
from guardian_client import KeyFileError  # noqa: E402
from scripts._devfiles import allow, public_key_of, run_directory  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="allow_operator.py", description="Add an operator key to an operator allowlist."
    )
    key = parser.add_mutually_exclusive_group(required=True)
    key.add_argument("--key", type=Path, help="an operator key file (from `guardian-operator keygen`)")
    key.add_argument("--public-key", help="the operator's Falcon-512 public key as hex")
    parser.add_argument(
        "--permissions",
        default="dashboard:read",
        help=f"comma-separated, from {', '.join(sorted(KNOWN_PERMISSIONS))} (default: dashboard:read)",
    )
    parser.add_argument(
        "--allowlist",
        type=Path,
        default=None,
        help="the allowlist file (default: .run/operators.json, the one `make run` uses)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    allowlist: Path = args.allowlist or run_directory() / "operators.json"
    permissions = [p.strip() for p in args.permissions.split(",") if p.strip()]
    try:
        public_key = public_key_of(args.key) if args.key else args.public_key
        commitment = allow(allowlist, public_key, permissions)
    except (AllowlistError, KeyFileError, OSError) as exc:
        print(f"allow_operator: {exc}", file=sys.stderr)
        return 1
    print(f"allowed operator {commitment} with {', '.join(sorted(set(permissions)))} in {allowlist}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
