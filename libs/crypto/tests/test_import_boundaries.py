import subprocess
import sys

VERIFIER_MODULES = [
    "guardian_crypto.field",
    "guardian_crypto.rpo",
    "guardian_crypto.poseidon2",
    "guardian_crypto.falcon_verify",
    "guardian_crypto.ecdsa",
    "guardian_crypto.eip712",
    "guardian_crypto.digests",
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
