"""Guardian auth service."""
