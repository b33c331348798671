"""Guardian devnet: a local chain for development and tests."""
