"""Clients of other services (the coordinator)."""
