"""Guardian's canonical JSON (serde_json compatible).

Object keys are sorted recursively by UTF-8 bytes, arrays keep their order, separators are compact, and
strings use serde_json escaping: only ``"``, ``\\`` and control characters; non-ASCII is written raw and ``/``
is not escaped. The output is UTF-8.

Python's ``json`` produces exactly these bytes for strings, integers, booleans, null, lists and
string-keyed dicts (sorting by code point equals sorting by UTF-8 bytes). Floats are refused because
serde_json formats them differently, and integers must fit i64 or u64 like a serde_json number.
"""

import json

from guardian_crypto.errors import CanonicalJsonError

_MIN_INT = -(1 << 63)
_MAX_INT = (1 << 64) - 1


def _check(value: object) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if not _MIN_INT <= value <= _MAX_INT:
            raise CanonicalJsonError("integer outside the i64/u64 range")
        return
    if isinstance(value, list):
        for item in value:
            _check(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalJsonError("object keys must be strings")
            _check(item)
        return
    raise CanonicalJsonError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(value: object) -> bytes:
    _check(value)
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalJsonError("string is not valid Unicode (lone surrogate)") from exc
