"""The EVM node for development and tests: anvil and the contracts of tools/evm-node (docs/evm-node.md)."""
