"""Chain reads over Ethereum JSON-RPC (`eth_call` at `latest`), ABI-encoded with eth-abi.

What the EVM proposal routes need to know from the chain: whether the multisig validator is installed on
the ERC-7579 account, its signers and threshold for that account, and the ERC-4337 EntryPoint nonce.
Every call has its own timeout. A node that cannot be reached, times out or answers with an error is a
retryable 503 `rpc_unavailable`; a call the contract refuses (a revert) or an answer that does not decode
is 502 `rpc_validation_failed` (the chain does not show what we need: asking again will not help)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError

from guardian_common.envelope import ErrorEnvelope
from guardian_crypto.keccak import keccak256
from guardian_gateway.evm_settings import EvmChains

log = logging.getLogger("guardian.gateway.evm_rpc")

MODULE_TYPE_VALIDATOR = 1
MAX_SIGNERS = 1024
# JSON-RPC error codes a node uses for a call the contract reverted (EIP-1474 and geth/anvil practice).
REVERT_CODES = frozenset({3, -32015})


def selector(signature: str) -> bytes:
    return keccak256(signature.encode())[:4]


IS_MODULE_INSTALLED = selector("isModuleInstalled(uint256,address,bytes)")
GET_SIGNERS = selector("getSigners(address,uint256,uint256)")
GET_SIGNER_COUNT = selector("getSignerCount(address)")
THRESHOLD = selector("threshold(address)")
GET_NONCE = selector("getNonce(address,uint192)")


@dataclass(frozen=True)
class SignerSnapshot:
    signers: list[str]
    threshold: int


class EvmRpc:
    def __init__(
        self, chains: EvmChains, timeout_seconds: float, client: httpx.AsyncClient | None = None
    ) -> None:
        self.chains = chains
        self._timeout = timeout_seconds
        self._client = client or httpx.AsyncClient(timeout=timeout_seconds)
        self._ids = itertools.count(1)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, chain_id: int, to: str, data: bytes, what: str) -> bytes:
        url = self.chains.url(chain_id)
        request = {
            "jsonrpc": "2.0",
            "id": next(self._ids),
            "method": "eth_call",
            "params": [{"to": to, "data": "0x" + data.hex()}, "latest"],
        }
        try:
            response = await self._client.post(url, json=request, timeout=self._timeout)
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("EVM node of chain %s failed %s: %s", chain_id, what, error)
            raise ErrorEnvelope.of("rpc_unavailable") from None
        return self._result(chain_id, answer, what)

    @staticmethod
    def _result(chain_id: int, answer: Any, what: str) -> bytes:
        if not isinstance(answer, dict):
            raise ErrorEnvelope.of("rpc_unavailable")
        error = answer.get("error")
        if isinstance(error, dict):
            message = str(error.get("message", ""))
            if error.get("code") in REVERT_CODES or "revert" in message.lower():
                raise ErrorEnvelope.of("rpc_validation_failed", f"{what} was refused by the contract")
            log.warning("EVM node of chain %s answered %s with an error: %s", chain_id, what, error)
            raise ErrorEnvelope.of("rpc_unavailable")
        result = answer.get("result")
        if not isinstance(result, str) or not result.startswith("0x"):
            raise ErrorEnvelope.of("rpc_unavailable")
        try:
            return bytes.fromhex(result[2:])
        except ValueError:
            raise ErrorEnvelope.of("rpc_unavailable") from None

    @staticmethod
    def _decode(types: list[str], data: bytes, what: str) -> tuple[Any, ...]:
        try:
            return tuple(decode(types, data))
        except (DecodingError, ValueError, OverflowError):
            # Typically "0x": no contract at that address, or one without this function.
            raise ErrorEnvelope.of("rpc_validation_failed", f"{what} returned no usable answer") from None

    async def is_module_installed(self, chain_id: int, account: str, module: str) -> bool:
        data = IS_MODULE_INSTALLED + encode(
            ["uint256", "address", "bytes"], [MODULE_TYPE_VALIDATOR, module, b""]
        )
        raw = await self._call(chain_id, account, data, "isModuleInstalled")
        return bool(self._decode(["bool"], raw, "isModuleInstalled")[0])

    async def signer_count(self, chain_id: int, validator: str, account: str) -> int:
        raw = await self._call(
            chain_id, validator, GET_SIGNER_COUNT + encode(["address"], [account]), "getSignerCount"
        )
        return int(self._decode(["uint256"], raw, "getSignerCount")[0])

    async def threshold(self, chain_id: int, validator: str, account: str) -> int:
        raw = await self._call(chain_id, validator, THRESHOLD + encode(["address"], [account]), "threshold")
        return int(self._decode(["uint64"], raw, "threshold")[0])

    async def signers(self, chain_id: int, validator: str, account: str, count: int) -> list[str]:
        data = GET_SIGNERS + encode(["address", "uint256", "uint256"], [account, 0, count])
        raw = await self._call(chain_id, validator, data, "getSigners")
        signers: list[str] = []
        for signer in self._decode(["bytes[]"], raw, "getSigners")[0]:
            if len(signer) != 20:
                raise ErrorEnvelope.of(
                    "rpc_validation_failed", f"signers must be 20-byte addresses, one is {len(signer)} bytes"
                )
            signers.append("0x" + bytes(signer).hex())
        return signers

    async def validator_snapshot(self, chain_id: int, account: str, validator: str) -> SignerSnapshot:
        """Installed check, signer count and threshold at once, then the signers (at most 1024)."""
        installed, count, threshold = await asyncio.gather(
            self.is_module_installed(chain_id, account, validator),
            self.signer_count(chain_id, validator, account),
            self.threshold(chain_id, validator, account),
        )
        if not installed:
            raise ErrorEnvelope.of(
                "rpc_validation_failed", "the multisig validator is not installed on the account"
            )
        if count > MAX_SIGNERS:
            raise ErrorEnvelope.of(
                "rpc_validation_failed", f"{count} signers exceed the limit of {MAX_SIGNERS}"
            )
        signers = await self.signers(chain_id, validator, account, count) if count else []
        return SignerSnapshot(signers, threshold)

    async def entrypoint_nonce(self, chain_id: int, account: str, key: int) -> int:
        data = GET_NONCE + encode(["address", "uint192"], [account, key])
        raw = await self._call(chain_id, self.chains.entrypoint, data, "EntryPoint.getNonce")
        return int(self._decode(["uint256"], raw, "EntryPoint.getNonce")[0])

    async def entrypoint_nonces(self, chain_id: int, account: str, keys: set[int]) -> dict[int, int]:
        ordered = sorted(keys)
        values = await asyncio.gather(*(self.entrypoint_nonce(chain_id, account, key) for key in ordered))
        return dict(zip(ordered, values, strict=True))
