"""gRPC adapters: convert messages, call the domain, map its errors to status codes."""
