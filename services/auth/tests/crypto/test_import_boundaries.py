import subprocess
import sys

VERIFIER_MODULES = [
    "guardian_auth.crypto.field",
    "guardian_auth.crypto.rpo",
    "guardian_auth.crypto.poseidon2",
    "guardian_auth.crypto.falcon_verify",
    "guardian_auth.crypto.ecdsa",
    "guardian_auth.crypto.eip712",
    "guardian_auth.crypto.digests",
]
FORBIDDEN = ["falcon", "blake3", "numpy", "grpc", "httpx", "sqlalchemy", "psycopg"]


def test_verifier_path_does_not_import_the_signer_or_io_libraries() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in VERIFIER_MODULES)
        + f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
