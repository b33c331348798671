"""The EVM test node (tools/evm-node) on a real anvil: the reads the service makes, and user operations that the
EntryPoint executes or refuses according to the multisig validator."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest
from eth_abi.abi import decode
from eth_account import Account
from eth_account.messages import encode_typed_data

from guardian_testing.evm_node import (
    DEFAULT_ENTRYPOINT,
    EVM_NODE_DIR,
    EvmFixture,
    EvmNode,
    Wallet,
    calldata,
    deploy_fixture,
    make_wallets,
    rpc_reachable,
    user_op_events,
)


def _signed(fixture: EvmFixture, op_hash: bytes, wallets: list[Wallet]) -> bytes:
    return fixture.encode_signatures(
        [w.address for w in wallets], [fixture.sign(op_hash, w.private_key) for w in wallets]
    )


def _status(receipt: dict[str, object]) -> int:
    return int(str(receipt["status"]), 16)


def test_dev_wallets_are_the_nodes_accounts(evm_node: EvmNode, evm_fixture: EvmFixture) -> None:
    accounts = [a.lower() for a in evm_node.rpc("eth_accounts")]
    assert [w.address.lower() for w in evm_fixture.wallets] == accounts[: len(evm_fixture.wallets)]
    assert int(evm_node.rpc("eth_chainId"), 16) == evm_node.chain_id == 31337
    assert evm_fixture.entrypoint == DEFAULT_ENTRYPOINT
    assert evm_fixture.code_at(DEFAULT_ENTRYPOINT), "the EntryPoint's code is at the default address"


def test_the_four_reads_answer_as_configured(evm_fixture: EvmFixture) -> None:
    w = evm_fixture.wallets
    signers = [w[1].address, w[2].address, w[3].address]
    account = evm_fixture.deploy_account(signers, 2)

    assert evm_fixture.is_module_installed(account)
    assert not evm_fixture.is_module_installed(account, evm_fixture.counter)
    assert evm_fixture.signer_count(account) == 3
    assert evm_fixture.threshold(account) == 2
    assert evm_fixture.signers(account) == signers

    # getSigners returns each signer as its 20 raw bytes and honours the range (clamped to the set).
    raw = evm_fixture.call(
        evm_fixture.validator, calldata("getSigners(address,uint256,uint256)", account, 1, 10)
    )
    (page,) = decode(["bytes[]"], raw)
    assert [bytes(item) for item in page] == [bytes.fromhex(s[2:]) for s in signers[1:]]

    # An address the validator has never seen has no signers and a zero threshold.
    assert evm_fixture.signer_count(w[9].address) == 0
    assert evm_fixture.threshold(w[9].address) == 0


def test_set_signers_changes_what_the_reads_answer(evm_fixture: EvmFixture) -> None:
    w = evm_fixture.wallets
    account = evm_fixture.deploy_account([w[1].address, w[2].address], 2)

    receipt = evm_fixture.set_signers(account, [w[4].address, w[5].address, w[6].address], 1)

    assert _status(receipt) == 1
    assert evm_fixture.signers(account) == [w[4].address, w[5].address, w[6].address]
    assert evm_fixture.threshold(account) == 1


def test_threshold_signed_op_executes_and_advances_the_nonce(evm_fixture: EvmFixture) -> None:
    w = evm_fixture.wallets
    account = evm_fixture.deploy_account([w[1].address, w[2].address, w[3].address], 2)
    nonce = evm_fixture.entrypoint_nonce(account)
    assert nonce >> 64 == evm_fixture.nonce_key(), "the key routes the op to the multisig validator"
    before = evm_fixture.counter_value()

    op = evm_fixture.user_operation(account, evm_fixture.counter_increment_calldata(account))
    assert evm_fixture.handle_ops_error(op, _signed(evm_fixture, op.hash, [w[3], w[1]])) is None
    receipt = evm_fixture.handle_ops(op, _signed(evm_fixture, op.hash, [w[3], w[1]]))

    assert _status(receipt) == 1
    assert user_op_events(receipt) == [(op.hash, True)]
    assert evm_fixture.counter_value() == before + 1
    assert evm_fixture.entrypoint_nonce(account) == nonce + 1

    # The same signed op cannot run twice: its nonce is spent.
    signature = _signed(evm_fixture, op.hash, [w[3], w[1]])
    assert evm_fixture.handle_ops_error(op, signature) == "AA25 invalid account nonce"
    replay = evm_fixture.handle_ops(op, signature)
    assert _status(replay) == 0
    assert evm_fixture.counter_value() == before + 1


def test_threshold_signed_transfer_moves_ether(evm_fixture: EvmFixture) -> None:
    w = evm_fixture.wallets
    account = evm_fixture.deploy_account([w[1].address, w[2].address], 2)
    recipient = w[8].address
    before = evm_fixture.balance(recipient)

    op = evm_fixture.user_operation(account, evm_fixture.transfer_calldata(recipient, 12345))
    receipt = evm_fixture.handle_ops(op, _signed(evm_fixture, op.hash, [w[1], w[2]]))

    assert _status(receipt) == 1
    assert evm_fixture.balance(recipient) == before + 12345


def test_signatures_with_recovery_id_0_or_1_are_accepted(evm_fixture: EvmFixture) -> None:
    w = evm_fixture.wallets
    account = evm_fixture.deploy_account([w[1].address], 1)
    op = evm_fixture.user_operation(account, evm_fixture.counter_increment_calldata(account))
    signature = evm_fixture.sign(op.hash, w[1].private_key)
    low_v = signature[:64] + bytes([signature[64] - 27])

    receipt = evm_fixture.handle_ops(op, evm_fixture.encode_signatures([w[1].address], [low_v]))

    assert _status(receipt) == 1


def _refused(fixture: EvmFixture, account: str, signature_for: Callable[[bytes], bytes]) -> None:
    before = fixture.counter_value()
    nonce = fixture.entrypoint_nonce(account)
    op = fixture.user_operation(account, fixture.counter_increment_calldata(account))

    assert fixture.handle_ops_error(op, signature_for(op.hash)) == "AA24 signature error"
    receipt = fixture.handle_ops(op, signature_for(op.hash))

    assert _status(receipt) == 0, "the EntryPoint refuses the op (handleOps reverts)"
    assert fixture.counter_value() == before
    assert fixture.entrypoint_nonce(account) == nonce


@pytest.mark.parametrize(
    "case",
    [
        "under_threshold",
        "same_signer_twice",
        "non_signer",
        "forged_for_a_signer",
        "other_hash",
        "garbage",
        "empty",
    ],
)
def test_a_bad_signature_set_is_refused_on_chain(evm_fixture: EvmFixture, case: str) -> None:
    fx = evm_fixture
    w = fx.wallets
    account = fx.deploy_account([w[1].address, w[2].address, w[3].address], 2)

    def signature_for(op_hash: bytes) -> bytes:
        if case == "under_threshold":
            return _signed(fx, op_hash, [w[1]])
        if case == "same_signer_twice":
            return _signed(fx, op_hash, [w[1], w[1]])
        if case == "non_signer":
            return _signed(fx, op_hash, [w[1], w[7]])
        if case == "forged_for_a_signer":
            # w[7] signs but claims to be w[2].
            forged = fx.sign(op_hash, w[7].private_key)
            return fx.encode_signatures(
                [w[1].address, w[2].address], [fx.sign(op_hash, w[1].private_key), forged]
            )
        if case == "other_hash":
            return _signed(fx, bytes(32), [w[1], w[2]])
        if case == "garbage":
            return b"\x01" * 77
        return b""

    _refused(fx, account, signature_for)


def test_restart_keeps_the_chain_and_kill_takes_the_node_down(
    start_evm_node: Callable[..., EvmNode],
) -> None:
    node = start_evm_node(chain_id=1337)
    fixture = deploy_fixture(node)
    w = fixture.wallets
    account = fixture.deploy_account([w[1].address], 1)
    op = fixture.user_operation(account, fixture.counter_increment_calldata(account))
    assert _status(fixture.handle_ops(op, _signed(fixture, op.hash, [w[1]]))) == 1
    port = node.port

    node.restart()

    assert node.port == port
    assert int(node.rpc("eth_chainId"), 16) == 1337
    assert fixture.counter_value() == 1
    assert fixture.threshold(account) == 1

    node.kill()
    assert not rpc_reachable(node.rpc_url)


def test_a_large_signer_set_from_extra_wallets(evm_fixture: EvmFixture) -> None:
    extra = make_wallets(12)
    assert len({w.address for w in extra}) == 12
    assert make_wallets(12) == extra, "the same wallets on every run"
    account = evm_fixture.deploy_account([w.address for w in extra], 7)
    assert evm_fixture.signer_count(account) == 12

    op = evm_fixture.user_operation(account, evm_fixture.counter_increment_calldata(account))
    assert _status(evm_fixture.handle_ops(op, _signed(evm_fixture, op.hash, extra[5:]))) == 1


# Signs with tools/evm-node/test-wallet.mjs the way the published client asks a wallet to: the client's own
# session typed data (eth_signTypedData_v4) and a userOpHash (eth_sign).
NODE_SIGNER = """
import { keyProvider } from "./test-wallet.mjs";
import { buildEvmSessionTypedData } from "@openzeppelin/guardian-evm-client";
const [key, hash, nonce] = process.argv.slice(1);
const wallet = keyProvider(key);
const [address] = await wallet.request({ method: "eth_requestAccounts" });
const typed = buildEvmSessionTypedData({ address, nonce, issuedAt: 1700000000, expiresAt: 1700000300 });
const session = await wallet.request({ method: "eth_signTypedData_v4", params: [address, JSON.stringify(typed)] });
const proposal = await wallet.request({ method: "eth_sign", params: [address, hash] });
console.log(JSON.stringify({ address, typed, session, proposal }));
"""


def test_the_node_test_wallet_signs_what_the_validator_and_service_expect(evm_fixture: EvmFixture) -> None:
    wallet = evm_fixture.wallets[1]
    op_hash = bytes(range(32))
    nonce = "0x" + "11" * 32
    ran = subprocess.run(
        ["node", "--input-type=module", "-e", NODE_SIGNER, wallet.private_key, "0x" + op_hash.hex(), nonce],
        cwd=EVM_NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    out = json.loads(ran.stdout)

    assert out["address"] == wallet.address
    # eth_sign answers the raw signature over the hash, byte for byte what the Python side makes.
    assert bytes.fromhex(out["proposal"][2:]) == evm_fixture.sign(op_hash, wallet.private_key)
    typed = out["typed"]
    recovered = Account.recover_message(encode_typed_data(full_message=typed), signature=out["session"])
    assert recovered == wallet.address
