"""Drive the EVM test chain (tools/evm-node) over JSON-RPC: deploy the compiled contracts, create smart accounts,
build, sign and submit ERC-4337 user operations.

Used by the tests (through guardian_testing.evm_node, which adds the anvil process) and by `make run`
(scripts/_evm_node.py). docs/evm-node.md describes the contracts; guardian_testing.evm_node's docstring lists
the API.
"""

from __future__ import annotations

import json
import platform
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from eth_abi.abi import decode, encode
from eth_account import Account
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

# tools/evm-node (this package is installed editable from tools/evm-node/src).
EVM_NODE_DIR = Path(__file__).resolve().parents[2]
BUILD_DIR = EVM_NODE_DIR / "build"

# ERC-4337 EntryPoint address the service reads when GUARDIAN_EVM_ENTRYPOINT_ADDRESS is unset (the reference's
# default, which is also OpenZeppelin's ERC4337Utils.ENTRYPOINT_V09); the fixture places its EntryPoint there.
DEFAULT_ENTRYPOINT = to_checksum_address("0x433709009b8330fda32311df1c2afa402ed8d009")
MODULE_TYPE_VALIDATOR = 1

# anvil's dev accounts: the public keys of its default mnemonic "test test ... junk" (m/44'/60'/0'/0/i).
DEV_PRIVATE_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
)

ETHER = 10**18
# Gas for the fixture's user operations: generous for a k-of-n check of up to a few dozen signers and a
# simple call; the account's EntryPoint deposit pays for them.
VERIFICATION_GAS = 2_000_000
CALL_GAS = 500_000
PRE_VERIFICATION_GAS = 100_000
MAX_FEE_PER_GAS = 5 * 10**9
MAX_PRIORITY_FEE_PER_GAS = 10**9
# handleOps is sent with this gas limit instead of an estimate, so an op the EntryPoint refuses is still
# mined (status 0) and the test sees the refusal on chain.
HANDLE_OPS_GAS = 8_000_000
RPC_TIMEOUT = 10.0

PACKED_USER_OP = "(address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes)"
# IEntryPoint.FailedOp(uint256 opIndex, string reason): how handleOps reports a refused op.
FAILED_OP = "0x220266b6"


class EvmRpcError(RuntimeError):
    """The node answered a JSON-RPC call with an error object."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        super().__init__(f"{method}: {error.get('message')} ({error.get('code')}) {error.get('data') or ''}")
        self.method = method
        self.error = error


def anvil_binary() -> Path:
    """The anvil binary npm installed for this machine (its platform package under node_modules)."""
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}[
        platform.machine().lower()
    ]
    system = platform.system().lower()
    path = EVM_NODE_DIR / "node_modules" / "@foundry-rs" / f"anvil-{system}-{arch}" / "bin" / "anvil"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make evm-node` (npm ci in tools/evm-node)")
    return path


def artifact(name: str) -> dict[str, Any]:
    """A compiled contract from tools/evm-node/build (abi, bytecode, deployedBytecode)."""
    path = BUILD_DIR / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make evm-node` (compiles tools/evm-node/contracts)")
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def selector(signature: str) -> bytes:
    return function_signature_to_4byte_selector(signature)


def calldata(signature: str, *args: Any) -> bytes:
    """ABI call data for `name(types…)` with `args` (the types are read from the signature)."""
    types = _split_types(signature[signature.index("(") + 1 : -1])
    return selector(signature) + encode(types, list(args))


def _split_types(inner: str) -> list[str]:
    """Top-level comma split of a parameter list (tuples keep their commas)."""
    types: list[str] = []
    depth = 0
    current = ""
    for ch in inner:
        if ch == "," and depth == 0:
            types.append(current)
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    if current:
        types.append(current)
    return types


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _unhex(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


def json_rpc(url: str, method: str, params: Sequence[Any] = (), timeout: float = RPC_TIMEOUT) -> Any:
    """One JSON-RPC call over HTTP; an error answer raises EvmRpcError, a dead node URLError/OSError."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise EvmRpcError(method, answer["error"])
    return answer["result"]


class Chain(Protocol):
    """What EvmFixture needs from a node: its chain id and JSON-RPC (an EvmNode, or RemoteNode for an anvil
    started elsewhere, e.g. by `make run`)."""

    @property
    def chain_id(self) -> int: ...

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any: ...


@dataclass(frozen=True)
class RemoteNode:
    """An anvil this process did not start, reached at `rpc_url`."""

    rpc_url: str
    chain_id: int

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        return json_rpc(self.rpc_url, method, params)


@dataclass(frozen=True)
class Wallet:
    address: str
    private_key: str


def make_wallets(count: int, label: str = "guardian-evm-signer") -> list[Wallet]:
    """`count` more signer wallets, beyond anvil's ten: key i is keccak256(f"{label}:{i}"), the same on every
    run. They hold no ether, which signing does not need."""
    keys = ["0x" + keccak(text=f"{label}:{i}").hex() for i in range(count)]
    return [Wallet(Account.from_key(key).address, key) for key in keys]


@dataclass(frozen=True)
class UserOperation:
    """An ERC-4337 v0.8 PackedUserOperation (without its signature) and its userOpHash."""

    sender: str
    nonce: int
    init_code: bytes
    call_data: bytes
    account_gas_limits: bytes
    pre_verification_gas: int
    gas_fees: bytes
    paymaster_and_data: bytes
    hash: bytes

    def as_tuple(self, signature: bytes = b"") -> tuple[Any, ...]:
        return (
            self.sender,
            self.nonce,
            self.init_code,
            self.call_data,
            self.account_gas_limits,
            self.pre_verification_gas,
            self.gas_fees,
            self.paymaster_and_data,
            signature,
        )

    def to_json(self, signature: bytes = b"") -> dict[str, str]:
        """The struct as JSON: numbers as decimal strings, bytes as 0x hex (a proposal's `payload`)."""
        return {
            "sender": self.sender,
            "nonce": str(self.nonce),
            "initCode": _hex(self.init_code),
            "callData": _hex(self.call_data),
            "accountGasLimits": _hex(self.account_gas_limits),
            "preVerificationGas": str(self.pre_verification_gas),
            "gasFees": _hex(self.gas_fees),
            "paymasterAndData": _hex(self.paymaster_and_data),
            "signature": _hex(signature),
        }


def _pack_uint128s(high: int, low: int) -> bytes:
    return ((high << 128) | low).to_bytes(32, "big")


class EvmFixture:
    """The deployed contracts on one node, and helpers to drive them (see the module docstring)."""

    def __init__(self, node: Chain, entrypoint: str, validator: str, counter: str) -> None:
        self.node = node
        self.chain_id = node.chain_id
        self.entrypoint = entrypoint
        self.validator = validator
        self.counter = counter
        self.wallets = [Wallet(Account.from_key(key).address, key) for key in DEV_PRIVATE_KEYS]
        self.bundler = self.wallets[0]

    # -- transactions -------------------------------------------------------------------------------

    def transact(
        self, to: str | None, data: bytes, value: int = 0, sender: str | None = None
    ) -> dict[str, Any]:
        """Sends a transaction from an unlocked account (a dev account by default) and returns its receipt."""
        tx: dict[str, Any] = {"from": sender or self.bundler.address, "data": _hex(data), "value": hex(value)}
        if to is not None:
            tx["to"] = to
        return self._send(tx)

    def _send(self, tx: dict[str, Any]) -> dict[str, Any]:
        # eth_sendTransactionSync (EIP-7966) answers with the receipt once the transaction is mined, so no
        # caller has to poll for it (anvil mines each transaction as it arrives, a moment after accepting it).
        receipt: dict[str, Any] = self.node.rpc("eth_sendTransactionSync", [tx])
        return receipt

    def deploy(self, name: str, constructor_types: Sequence[str] = (), args: Sequence[Any] = ()) -> str:
        data = _unhex(artifact(name)["bytecode"]) + encode(list(constructor_types), list(args))
        receipt = self.transact(None, data)
        if int(receipt["status"], 16) != 1:
            raise RuntimeError(f"deploying {name} failed: {receipt}")
        return to_checksum_address(receipt["contractAddress"])

    def call(self, to: str, data: bytes) -> bytes:
        return _unhex(self.node.rpc("eth_call", [{"to": to, "data": _hex(data)}, "latest"]))

    # -- accounts -----------------------------------------------------------------------------------

    def deploy_account(self, signers: Sequence[str], threshold: int) -> str:
        install = encode(["address[]", "uint64"], [[to_checksum_address(s) for s in signers], threshold])
        account = self.deploy(
            "GuardianSmartAccount",
            ["address", "address", "bytes"],
            [self.entrypoint, self.validator, install],
        )
        deposit = self.transact(self.entrypoint, calldata("depositTo(address)", account), value=ETHER)
        funded = self.transact(account, b"", value=ETHER)
        if int(deposit["status"], 16) != 1 or int(funded["status"], 16) != 1:
            raise RuntimeError(f"funding {account} failed")
        return account

    def set_signers(self, account: str, signers: Sequence[str], threshold: int) -> dict[str, Any]:
        """The account's own call to the validator's setSigners, sent as the account through impersonation."""
        data = calldata("setSigners(address[],uint64)", [to_checksum_address(s) for s in signers], threshold)
        self.node.rpc("anvil_impersonateAccount", [account])
        try:
            return self.transact(self.validator, data, sender=account)
        finally:
            self.node.rpc("anvil_stopImpersonatingAccount", [account])

    # -- reads ---------------------------------------------------------------------------------------

    def is_module_installed(self, account: str, module: str | None = None) -> bool:
        data = calldata(
            "isModuleInstalled(uint256,address,bytes)", MODULE_TYPE_VALIDATOR, module or self.validator, b""
        )
        return bool(decode(["bool"], self.call(account, data))[0])

    def signers(self, account: str) -> list[str]:
        count = self.signer_count(account)
        raw = decode(
            ["bytes[]"],
            self.call(self.validator, calldata("getSigners(address,uint256,uint256)", account, 0, count)),
        )[0]
        return [to_checksum_address(item) for item in raw]

    def signer_count(self, account: str) -> int:
        return int(
            decode(["uint256"], self.call(self.validator, calldata("getSignerCount(address)", account)))[0]
        )

    def threshold(self, account: str) -> int:
        return int(decode(["uint64"], self.call(self.validator, calldata("threshold(address)", account)))[0])

    def nonce_key(self, validator: str | None = None) -> int:
        # The nonce is key (192 bits) || sequence (64 bits); the account reads the validator from the nonce's
        # first 20 bytes, i.e. the key's first 20 bytes.
        return int(validator or self.validator, 16) << 32

    def entrypoint_nonce(self, account: str, key: int | None = None) -> int:
        key = self.nonce_key() if key is None else key
        data = calldata("getNonce(address,uint192)", account, key)
        return int(decode(["uint256"], self.call(self.entrypoint, data))[0])

    def counter_value(self) -> int:
        return int(decode(["uint256"], self.call(self.counter, calldata("number()")))[0])

    def balance(self, address: str) -> int:
        return int(self.node.rpc("eth_getBalance", [address, "latest"]), 16)

    def code_at(self, address: str) -> bytes:
        return _unhex(self.node.rpc("eth_getCode", [address, "latest"]))

    # -- user operations -----------------------------------------------------------------------------

    def execute_calldata(self, target: str, value: int, data: bytes) -> bytes:
        """ERC-7579 execute(mode, executionCalldata) for one call: mode 0 (single call, revert on failure) and
        executionCalldata = target (20 bytes) || value (32 bytes) || call data."""
        execution = _unhex(to_checksum_address(target)) + value.to_bytes(32, "big") + data
        return calldata("execute(bytes32,bytes)", bytes(32), execution)

    def counter_increment_calldata(self, account: str | None = None) -> bytes:
        """The call data is the same for every account; `account` is accepted for readability at call sites."""
        return self.execute_calldata(self.counter, 0, selector("increment()"))

    def transfer_calldata(self, to: str, value_wei: int) -> bytes:
        return self.execute_calldata(to, value_wei, b"")

    def user_operation(self, account: str, call_data: bytes, nonce: int | None = None) -> UserOperation:
        op = UserOperation(
            sender=to_checksum_address(account),
            nonce=self.entrypoint_nonce(account) if nonce is None else nonce,
            init_code=b"",
            call_data=call_data,
            account_gas_limits=_pack_uint128s(VERIFICATION_GAS, CALL_GAS),
            pre_verification_gas=PRE_VERIFICATION_GAS,
            gas_fees=_pack_uint128s(MAX_PRIORITY_FEE_PER_GAS, MAX_FEE_PER_GAS),
            paymaster_and_data=b"",
            hash=b"",
        )
        data = calldata(f"getUserOpHash({PACKED_USER_OP})", op.as_tuple())
        user_op_hash = decode(["bytes32"], self.call(self.entrypoint, data))[0]
        return replace(op, hash=user_op_hash)

    @staticmethod
    def sign(user_op_hash: bytes, private_key: str) -> bytes:
        signed = Account.unsafe_sign_hash(user_op_hash, private_key)
        return bytes(signed.signature)

    @staticmethod
    def encode_signatures(signers: Sequence[str | bytes], signatures: Sequence[bytes | str]) -> bytes:
        raw_signers = [s if isinstance(s, bytes) else _unhex(to_checksum_address(s)) for s in signers]
        raw_signatures = [s if isinstance(s, bytes) else _unhex(s) for s in signatures]
        return encode(["bytes[]", "bytes[]"], [raw_signers, raw_signatures])

    def handle_ops(self, user_op: UserOperation, signature: bytes) -> dict[str, Any]:
        data = calldata(
            f"handleOps({PACKED_USER_OP}[],address)", [user_op.as_tuple(signature)], self.bundler.address
        )
        return self._send(
            {
                "from": self.bundler.address,
                "to": self.entrypoint,
                "data": _hex(data),
                "gas": hex(HANDLE_OPS_GAS),
            }
        )

    def handle_ops_error(self, user_op: UserOperation, signature: bytes) -> str | None:
        """What the EntryPoint would answer to handleOps right now, without sending it: None when it would go
        through, else its FailedOp reason (e.g. "AA24 signature error", "AA25 invalid account nonce")."""
        data = calldata(
            f"handleOps({PACKED_USER_OP}[],address)", [user_op.as_tuple(signature)], self.bundler.address
        )
        try:
            self.node.rpc(
                "eth_call",
                [{"from": self.bundler.address, "to": self.entrypoint, "data": _hex(data)}, "latest"],
            )
        except EvmRpcError as refused:
            revert = refused.error.get("data")
            if isinstance(revert, str) and revert.startswith(FAILED_OP):
                _index, reason = decode(["uint256", "string"], _unhex(revert)[4:])
                return str(reason)
            return str(refused)
        return None


USER_OPERATION_EVENT = (
    "0x" + keccak(text="UserOperationEvent(bytes32,address,address,uint256,bool,uint256,uint256)").hex()
)


def user_op_events(receipt: dict[str, Any]) -> list[tuple[bytes, bool]]:
    """(userOpHash, success) of each UserOperationEvent in a handleOps receipt. handleOps succeeds even when
    the account's call reverts; `success` says whether the call itself did."""
    events = []
    for log in receipt.get("logs", []):
        if log["topics"] and log["topics"][0] == USER_OPERATION_EVENT:
            _nonce, success, _cost, _used = decode(
                ["uint256", "bool", "uint256", "uint256"], _unhex(log["data"])
            )
            events.append((_unhex(log["topics"][1]), bool(success)))
    return events


def deploy_fixture(node: Chain) -> EvmFixture:
    """Deploys the EntryPoint (then copies its code to DEFAULT_ENTRYPOINT), the validator and the Counter."""
    bootstrap = EvmFixture(node, DEFAULT_ENTRYPOINT, "", "")
    deployed_entrypoint = bootstrap.deploy("EntryPoint")
    # The EntryPoint keeps no storage from its constructor and derives its EIP-712 domain from address(this),
    # so its runtime code works at any address; the one thing tied to the deployment is its SenderCreator
    # (used only for initCode, which these accounts never need: they are deployed directly).
    node.rpc("anvil_setCode", [DEFAULT_ENTRYPOINT, node.rpc("eth_getCode", [deployed_entrypoint, "latest"])])
    validator = bootstrap.deploy("MultisigValidator")
    counter = bootstrap.deploy("Counter")
    return EvmFixture(node, DEFAULT_ENTRYPOINT, validator, counter)


def rpc_reachable(url: str) -> bool:
    """Whether something answers eth_chainId at `url` (for tests that stop a node and check it is gone)."""
    try:
        json_rpc(url, "eth_chainId", timeout=2.0)
    except (urllib.error.URLError, OSError):
        return False
    return True
