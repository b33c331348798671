"""The operator allowlist: both entry forms, strict validation, hot reload that fails closed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from guardian_auth.domain.allowlist import AllowlistError, FileAllowlist, parse_allowlist

# The crypto library's known-answer file holds the embedded Falcon key and its commitment.
VECTORS = Path(__file__).resolve().parents[3] / "libs" / "crypto" / "tests" / "vectors"
VECTOR = json.loads((VECTORS / "falcon512_poseidon2_vectors.json").read_text())
PUBLIC_KEY = VECTOR["embedded_public_key"]["public_key_hex"]
COMMITMENT = "0x24c268327e0ead6a11a700e40abd0a280e737fc45994c17f662dcf0ec0fa8720"


def test_legacy_string_entry_grants_dashboard_read() -> None:
    operators = parse_allowlist(json.dumps([PUBLIC_KEY]))
    assert list(operators) == [COMMITMENT]
    assert operators[COMMITMENT].operator_id == COMMITMENT
    assert operators[COMMITMENT].permissions == {"dashboard:read"}


def test_object_entry_carries_its_permissions_and_accepts_no_prefix_and_whitespace() -> None:
    document = [
        {
            "public_key": "  " + PUBLIC_KEY[2:].upper() + " ",
            "permissions": ["accounts:pause", "accounts:pause"],
        }
    ]
    assert parse_allowlist(json.dumps(document))[COMMITMENT].permissions == {"accounts:pause"}
    empty = parse_allowlist(json.dumps([{"public_key": PUBLIC_KEY, "permissions": []}]))
    assert empty[COMMITMENT].permissions == frozenset()


def test_extra_bytes_after_the_public_key_are_ignored() -> None:
    assert COMMITMENT in parse_allowlist(json.dumps([PUBLIC_KEY + "00ff"]))


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("{}", "JSON array"),
        ("not json", "not valid JSON"),
        (json.dumps([PUBLIC_KEY, 7]), "string or an object"),
        (json.dumps([None]), "string or an object"),
        (json.dumps([PUBLIC_KEY, PUBLIC_KEY]), "duplicate"),
        (json.dumps([PUBLIC_KEY, {"public_key": PUBLIC_KEY, "permissions": []}]), "duplicate"),
        (json.dumps([{"public_key": PUBLIC_KEY}]), "exactly the keys"),
        (json.dumps([{"public_key": PUBLIC_KEY, "permissions": [], "name": "x"}]), "exactly the keys"),
        (json.dumps([{"public_key": PUBLIC_KEY, "permissions": ["Dashboard:read"]}]), "unknown permission"),
        (json.dumps([{"public_key": PUBLIC_KEY, "permissions": [" dashboard:read"]}]), "unknown permission"),
        (json.dumps([{"public_key": PUBLIC_KEY, "permissions": "dashboard:read"}]), "array of strings"),
        (json.dumps([{"public_key": 5, "permissions": []}]), "must be a string"),
        (json.dumps([""]), "empty public key"),
        (json.dumps(["0xabc"]), "even-length hex"),
        (json.dumps(["0x" + "00" * 100]), "expected 897"),
        (json.dumps(["0x0a" + PUBLIC_KEY[4:]]), "not a Falcon-512 public key"),
        (json.dumps(["0x09" + "ff" * 896]), "not a Falcon-512 public key"),
    ],
)
def test_one_bad_entry_rejects_the_whole_document(document: str, problem: str) -> None:
    with pytest.raises(AllowlistError, match=problem):
        parse_allowlist(document)


def test_file_is_reloaded_when_it_changes_and_a_broken_reload_fails_closed(tmp_path: Path) -> None:
    path = tmp_path / "operators.json"
    path.write_text(json.dumps([PUBLIC_KEY]))
    source = FileAllowlist(path)
    assert source.current()[COMMITMENT].permissions == {"dashboard:read"}

    path.write_text(
        json.dumps([{"public_key": PUBLIC_KEY, "permissions": ["dashboard:read", "accounts:pause"]}])
    )
    assert source.current()[COMMITMENT].permissions == {"dashboard:read", "accounts:pause"}

    path.write_text("[")
    with pytest.raises(AllowlistError):
        source.current()
    with pytest.raises(AllowlistError):
        source.current()  # still broken: nothing half-loaded was kept

    path.write_text(json.dumps([]))
    assert source.current() == {}

    path.unlink()
    with pytest.raises(AllowlistError, match="cannot stat"):
        source.current()


def test_world_writable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "operators.json"
    path.write_text(json.dumps([PUBLIC_KEY]))
    os.chmod(path, 0o666)
    with pytest.raises(AllowlistError, match="world-writable"):
        FileAllowlist(path).current()
