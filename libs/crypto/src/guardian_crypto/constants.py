"""Loading of the constant tables shipped as JSON package data (see ``data/``)."""

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """Return the parsed JSON document ``data/<name>.json``."""
    text = resources.files("guardian_crypto").joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def number(text: str) -> int:
    """Parse a number written as a string: hex when it starts with ``0x``, base-10 otherwise."""
    return int(text, 16) if text.startswith("0x") else int(text, 10)


def numbers(texts: list[str]) -> list[int]:
    return [number(text) for text in texts]
