"""The EVM node of `make run` (docs/evm-node.md): anvil from tools/evm-node, the contracts deployed once, and the
gateway settings that point at it.

The chain is kept in the run directory (evm/state.json, written by anvil when the stack stops) together with
evm/deployment.json (the addresses), so a restarted stack finds its contracts and demo account again. A saved
deployment whose code is gone from the chain (the state file was removed or not written because anvil was
killed) is deployed afresh.
"""

from __future__ import annotations

import json
from pathlib import Path

from guardian_evm_node.chain import DEFAULT_ENTRYPOINT, EvmFixture, RemoteNode, anvil_binary, deploy_fixture
from scripts._supervisor import StartFailed, Supervisor

CHAIN_ID = 31337
# The demo account's signers: anvil dev wallets 1-3 (wallet 0 deploys and bundles), 2 of 3 to execute.
DEMO_SIGNERS = (1, 2, 3)
DEMO_THRESHOLD = 2


def start_evm_node(sup: Supervisor, address: str, run_dir: Path) -> dict[str, str]:
    """Starts anvil on `address`, makes sure the contracts and a demo account exist, and returns the EVM
    settings for the services (the environment's own values win)."""
    try:
        anvil = anvil_binary()
    except FileNotFoundError as missing:
        raise StartFailed(str(missing)) from None
    host, _, port = address.rpartition(":")
    evm_dir = run_dir / "evm"
    evm_dir.mkdir(parents=True, exist_ok=True)
    argv = [str(anvil), "--host", host, "--port", port, "--chain-id", str(CHAIN_ID)]
    sup.start("evm", [*argv, "--state", str(evm_dir / "state.json")], {}, ready=r"^Listening on ")
    rpc_url = f"http://{address}"
    fixture, account = _deployment(RemoteNode(rpc_url, CHAIN_ID), evm_dir / "deployment.json")
    signers = ", ".join(fixture.wallets[i].address for i in DEMO_SIGNERS)
    sup.say(f"EVM node: {rpc_url} (chain {CHAIN_ID}); EntryPoint {fixture.entrypoint}")
    sup.say(f"EVM demo account {account} (validator {fixture.validator}, {DEMO_THRESHOLD} of {signers})")
    return {
        "GUARDIAN_EVM_RPC_URLS": f"{CHAIN_ID}={rpc_url}",
        "GUARDIAN_EVM_ENTRYPOINT_ADDRESS": DEFAULT_ENTRYPOINT,
    }


def _deployment(node: RemoteNode, saved_path: Path) -> tuple[EvmFixture, str]:
    if saved_path.exists():
        saved = json.loads(saved_path.read_text())
        fixture = EvmFixture(node, DEFAULT_ENTRYPOINT, saved["validator"], saved["counter"])
        if all(fixture.code_at(a) for a in (DEFAULT_ENTRYPOINT, fixture.validator, saved["account"])):
            return fixture, str(saved["account"])
    fixture = deploy_fixture(node)
    account = fixture.deploy_account([fixture.wallets[i].address for i in DEMO_SIGNERS], DEMO_THRESHOLD)
    saved = {"validator": fixture.validator, "counter": fixture.counter, "account": account}
    saved_path.write_text(json.dumps(saved, indent=1) + "\n")
    return fixture, account
