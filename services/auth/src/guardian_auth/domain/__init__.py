"""Login and session rules of both realms, independent of gRPC."""
