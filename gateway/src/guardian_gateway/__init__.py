"""Guardian HTTP gateway."""
