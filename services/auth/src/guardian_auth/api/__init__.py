"""gRPC adapters of the auth service."""
