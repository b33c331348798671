"""The optional compiled permutations (``_goldilocks``, built from ``_goldilocks.c`` when the package is
installed on a machine with a C compiler), or None.

``GUARDIAN_CRYPTO_PURE_PYTHON=1`` ignores them, for comparing both in tests and benchmarks.
"""

from __future__ import annotations

import os
from types import ModuleType

PURE_PYTHON_REQUESTED = os.environ.get("GUARDIAN_CRYPTO_PURE_PYTHON", "") == "1"


def _load() -> ModuleType | None:
    if PURE_PYTHON_REQUESTED:
        return None
    try:
        from guardian_crypto import _goldilocks
    except ImportError:
        return None
    return _goldilocks


goldilocks = _load()
"""The compiled module, or None: then every permutation runs in pure Python."""
