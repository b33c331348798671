"""The chain adapter: the Miden node's `rpc.Api/GetAccount`, one attempt with a deadline per probe.

The witness commitment is four `fixed64` limbs; its hex is `0x` + each limb's 8 little-endian bytes in
order d0‖d1‖d2‖d3 (docs/contracts/miden.md §4). All zero means the node does not know the account.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import grpc

from guardian.miden import primitives_pb2, rpc_pb2, rpc_pb2_grpc
from guardian_canonicalizer.domain.observations import Absent, ChainError, Match, Mismatch, Observation

ZERO_COMMITMENT = "0x" + "00" * 32


class ChainUnavailable(ChainError):
    """Transport failure, deadline exceeded or any non-OK status: the node gave no answer."""


class ChainMalformed(ChainError):
    """The node answered without a witness commitment."""


def account_id_bytes(account_id: str) -> bytes:
    """`0x` + 30 hex digits → the 15-byte serialized Miden account id."""
    if not account_id.startswith("0x") or len(account_id) != 32:
        raise ValueError(f"account id must be 0x + 30 hex digits, got {account_id!r}")
    return bytes.fromhex(account_id[2:])


def digest_hex(digest: primitives_pb2.Digest) -> str:
    limbs = (digest.d0, digest.d1, digest.d2, digest.d3)
    return "0x" + b"".join(limb.to_bytes(8, "little") for limb in limbs).hex()


def channel_for(endpoint: str) -> grpc.aio.Channel:
    """An origin URL (`http://host:port` or `https://host[:port]`) → a gRPC channel (TLS for https)."""
    parts = urlsplit(endpoint)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    host = parts.hostname or "localhost"
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options = [("grpc.enable_retries", 0)]
    if secure:
        return grpc.aio.secure_channel(target, grpc.ssl_channel_credentials(), options=options)
    return grpc.aio.insecure_channel(target, options=options)


class ChainAdapter:
    def __init__(self, endpoint: str, timeout_seconds: float) -> None:
        self._channel = channel_for(endpoint)
        self._api = rpc_pb2_grpc.ApiStub(self._channel)
        self._timeout = timeout_seconds

    async def close(self) -> None:
        await self._channel.close(None)

    async def account_commitment(self, account_id: str) -> str:
        """The on-chain commitment at the chain tip (all zero when absent). Raises ChainError."""
        request = rpc_pb2.AccountRequest()
        request.account_id.id = account_id_bytes(account_id)
        try:
            response: rpc_pb2.AccountResponse = await self._api.GetAccount(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as exc:
            raise ChainUnavailable(f"GetAccount {exc.code().name}: {exc.details()}") from None
        if not response.HasField("witness") or not response.witness.HasField("commitment"):
            raise ChainMalformed("GetAccount answered without witness.commitment")
        return digest_hex(response.witness.commitment)

    async def verify_commitment(self, account_id: str, expected: str) -> Observation:
        """Match | Absent | Mismatch(on_chain); raises ChainError when the node gives no answer."""
        on_chain = await self.account_commitment(account_id)
        if on_chain == ZERO_COMMITMENT:
            return Absent()
        if on_chain == expected.lower():
            return Match()
        return Mismatch(on_chain)
