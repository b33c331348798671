"""Domain rules of the coordinator: validation and the store contracts, independent of gRPC and SQL."""
