"""GUARDIAN_EVM_RPC_URLS and GUARDIAN_EVM_ENTRYPOINT_ADDRESS, checked once at startup (docs/CONFIGURATION.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from guardian_common.envelope import ErrorEnvelope

DEFAULT_ENTRYPOINT = "0x433709009b8330fda32311df1c2afa402ed8d009"  # the ERC-4337 EntryPoint v0.8
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
MAX_CHAIN_ID = 2**64 - 1


def parse_rpc_urls(raw: str | None) -> dict[int, str]:
    """`<chainId>=<http(s) URL>,…` (blank entries ignored) → {chain id: URL}; a chain is supported iff it
    has a URL. Raises ValueError naming the bad entry."""
    chains: dict[int, str] = {}
    for entry in (part.strip() for part in (raw or "").split(",")):
        if not entry:
            continue
        chain, sep, url = entry.partition("=")
        chain, url = chain.strip(), url.strip()
        if not sep or not chain.isdigit() or not 1 <= int(chain) <= MAX_CHAIN_ID:
            raise ValueError(f"entry {entry!r} must be <chain id>=<url> with a chain id in 1..2^64-1")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the URL of chain {chain} must be an http:// or https:// URL")
        if int(chain) in chains:
            raise ValueError(f"chain {chain} is listed twice")
        chains[int(chain)] = url
    return chains


def parse_entrypoint(raw: str) -> str:
    text = raw.strip()
    if not ADDRESS.fullmatch(text):
        raise ValueError("must be 0x followed by 40 hex digits")
    return text.lower()


@dataclass(frozen=True)
class EvmChains:
    """The supported chains (chain id → JSON-RPC URL) and the EntryPoint address, from the settings."""

    rpc_urls: Mapping[int, str]
    entrypoint: str

    def url(self, chain_id: int) -> str:
        """The chain's URL; a chain without one is 400 unsupported_evm_chain."""
        url = self.rpc_urls.get(chain_id)
        if url is None:
            raise ErrorEnvelope.of("unsupported_evm_chain", f"EVM chain {chain_id} is not supported here")
        return url
