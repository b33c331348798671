"""A real EVM node (anvil) with the ERC-4337 EntryPoint, an ERC-7579 smart account and a multisig validator.

The node and contracts come from tools/evm-node (`make evm-node` installs anvil and solc from npm and compiles the
contracts; docs/evm-node.md describes them). Everything here is synchronous and talks JSON-RPC over HTTP.
The chain helpers live in guardian_evm_node.chain (tools/evm-node/src), which `make run` uses too; this
module adds the anvil process (EvmNode) and re-exports them.

API
---
``EvmNode.start(port=None, chain_id=31337, log_dir=None) -> EvmNode``
    Starts anvil as a child process on 127.0.0.1 (a free port unless `port` is given) and returns once
    `eth_chainId` answers. Attributes and methods:

    * ``rpc_url`` (``http://127.0.0.1:<port>``), ``port``, ``chain_id``
    * ``rpc(method, params=()) -> Any``: one JSON-RPC call; an error answer raises `EvmRpcError`
    * ``stop()``: SIGTERM; anvil writes its state file on the way out
    * ``kill()``: SIGKILL; the chain state since the last graceful stop is lost
    * ``restart()``: stop() then start again on the same port. After a graceful stop the state (contracts,
      balances, nonces) is reloaded from the state file; after kill() the node comes back with whatever
      the last graceful stop saved, or an empty chain if there was none (deploy again then).

``deploy_fixture(node) -> EvmFixture``: deploys the EntryPoint, the validator and the Counter. Attributes:

    * ``entrypoint``: the EntryPoint's address. Its code is placed at `DEFAULT_ENTRYPOINT` (the address the
      service uses when GUARDIAN_EVM_ENTRYPOINT_ADDRESS is unset) with anvil_setCode; the accounts use it.
    * ``validator``, ``counter``: contract addresses (checksummed)
    * ``wallets``: anvil's ten dev accounts as `Wallet(address, private_key)`; wallets[0] deploys and
      submits handleOps (the bundler), the others are free for tests to use as signers
    * ``make_wallets(count, label=...)`` (a function) gives more signer wallets, deterministic per label
    * ``chain_id``, ``node``

    Methods:

    * ``deploy_account(signers, threshold) -> str``: a new smart account (new address on each call) with the
      validator installed for `signers` (addresses) and `threshold`, 1 ETH deposited in the EntryPoint for
      gas and 1 ETH held by the account itself
    * ``set_signers(account, signers, threshold)``: reconfigures the account's signer set on chain (the
      account's own call to the validator, impersonated through anvil)
    * ``nonce_key(validator=None) -> int``: the EntryPoint nonce key that routes an op to the validator
      (the validator address in the nonce's first 20 bytes: OpenZeppelin's module selection)
    * ``entrypoint_nonce(account, key=None) -> int``: EntryPoint.getNonce(account, key); the key defaults
      to `nonce_key()`
    * ``counter_increment_calldata(account=None) -> bytes``: ERC-7579 `execute` call data that makes the
      account call Counter.increment() (the same bytes for every account)
    * ``transfer_calldata(to, value_wei) -> bytes``: ERC-7579 `execute` call data sending ETH
    * ``user_operation(account, call_data, nonce=None) -> UserOperation``: a packed v0.8 UserOperation
      (gas limits that fit these contracts) and its `hash` from EntryPoint.getUserOpHash via eth_call;
      `nonce` defaults to `entrypoint_nonce(account)`
    * ``sign(user_op_hash, private_key) -> bytes``: a raw 65-byte secp256k1 signature over the 32-byte hash
      (no EIP-191 prefix; v = 27/28), what the service expects from signers
    * ``encode_signatures(signers, signatures) -> bytes``: abi.encode(bytes[] signers, bytes[] signatures),
      the signature field the validator checks (signers as addresses or 20 bytes, signatures 65 bytes each)
    * ``handle_ops(user_op, signature) -> dict``: submits EntryPoint.handleOps([op], bundler) with a fixed gas
      limit, so a refused op is mined and its receipt has ``status == 0`` instead of failing estimation
    * ``handle_ops_error(user_op, signature) -> str | None``: the same through eth_call: None if it would go
      through, else the EntryPoint's FailedOp reason ("AA24 signature error", "AA25 invalid account nonce")
    * ``counter_value() -> int``, ``balance(address) -> int``, ``code_at(address) -> bytes``
    * ``call(to, data) -> bytes`` (eth_call) and ``transact(to, data, value=0, sender=None) -> dict`` (a mined
      receipt from an unlocked dev account)

``RemoteNode(rpc_url, chain_id)`` stands for an anvil started elsewhere (e.g. by `make run`) wherever a node is
expected (deploy_fixture, EvmFixture); ``json_rpc(url, method, params)`` is the bare call and
``rpc_reachable(url)`` says whether anything answers there. ``user_op_events(receipt)`` lists the
(userOpHash, success) of each UserOperationEvent in a handleOps receipt (handleOps itself succeeds when the
account's call reverts; `success` is that call's outcome).

`UserOperation` has the PackedUserOperation fields, ``hash`` (bytes32), ``as_tuple(signature)`` for ABI
encoding and ``to_json(signature=b"")`` (hex strings keyed like the Solidity struct, for proposal payloads).

pytest fixtures (registered in guardian_testing.fixtures): ``evm_node`` (one node per session; do not stop
it, use ``start_evm_node`` for a node a test may stop or kill), ``evm_fixture`` (contracts deployed once
per session on `evm_node`; each test deploys its own accounts) and ``start_evm_node`` (function-scoped
factory, nodes stopped at teardown).
"""

from __future__ import annotations

import signal
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from guardian_evm_node.chain import (
    BUILD_DIR,
    DEFAULT_ENTRYPOINT,
    DEV_PRIVATE_KEYS,
    EVM_NODE_DIR,
    FAILED_OP,
    MODULE_TYPE_VALIDATOR,
    PACKED_USER_OP,
    Chain,
    EvmFixture,
    EvmRpcError,
    RemoteNode,
    UserOperation,
    Wallet,
    anvil_binary,
    artifact,
    calldata,
    deploy_fixture,
    json_rpc,
    make_wallets,
    rpc_reachable,
    selector,
    user_op_events,
)
from guardian_testing.processes import ServiceProcess, StartupFailed, spawn

__all__ = [
    "BUILD_DIR",
    "DEFAULT_ENTRYPOINT",
    "DEV_PRIVATE_KEYS",
    "EVM_NODE_DIR",
    "FAILED_OP",
    "MODULE_TYPE_VALIDATOR",
    "PACKED_USER_OP",
    "Chain",
    "EvmFixture",
    "EvmNode",
    "EvmRpcError",
    "RemoteNode",
    "UserOperation",
    "Wallet",
    "anvil_binary",
    "artifact",
    "calldata",
    "deploy_fixture",
    "json_rpc",
    "make_wallets",
    "rpc_reachable",
    "selector",
    "user_op_events",
]


class EvmNode:
    """One anvil process on 127.0.0.1. Build with `EvmNode.start(...)`."""

    def __init__(self, port: int, chain_id: int, log_dir: Path) -> None:
        self.port = port
        self.chain_id = chain_id
        self.log_dir = log_dir
        # Written by anvil on a graceful exit and read back on the next start (see restart()).
        self.state_path = log_dir / f"anvil-state-{id(self)}.json"
        self._process: ServiceProcess | None = None

    @classmethod
    def start(cls, port: int | None = None, chain_id: int = 31337, log_dir: Path | None = None) -> EvmNode:
        node = cls(port or 0, chain_id, log_dir or Path(tempfile.mkdtemp(prefix="evm-node-")))
        node._launch()
        return node

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.popen.poll() is None

    def _launch(self) -> None:
        argv = [
            str(anvil_binary()),
            "--host",
            "127.0.0.1",
            # Port 0 lets anvil pick a free port; the "Listening on" line says which.
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            "--state",
            str(self.state_path),
        ]
        process = spawn(argv, {}, self.log_dir, name=f"anvil-{self.port or 'new'}")
        self._process = process
        try:
            line = process.read_until(r"^Listening on 127\.0\.0\.1:\d+$", timeout=60.0)
        except StartupFailed:
            process.stop()
            raise
        self.port = int(line.rsplit(":", 1)[1])
        # The socket is bound once the line is printed; this proves the RPC answers and is the right chain.
        answered = int(self.rpc("eth_chainId"), 16)
        if answered != self.chain_id:
            raise StartupFailed(f"anvil on {self.rpc_url} reports chain {answered}, expected {self.chain_id}")

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        return json_rpc(self.rpc_url, method, params)

    def stop(self) -> None:
        """Graceful stop: anvil saves its state file, which the next start loads."""
        if self._process is not None:
            self._process.stop()
            self._process = None

    def kill(self) -> None:
        """Hard stop: nothing is saved (a later restart() loads the last graceful stop's state, if any)."""
        if self._process is not None:
            self._process.signal(signal.SIGKILL)
            self._process.wait_exit()
            self._process = None

    def restart(self) -> None:
        """Stops (gracefully, if still running) and starts again on the same port and chain id."""
        self.stop()
        self._launch()
