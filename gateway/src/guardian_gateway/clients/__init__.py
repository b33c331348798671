"""gRPC clients of the services the gateway calls: auth and the coordinator."""
