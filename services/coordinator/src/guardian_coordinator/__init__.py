"""Guardian coordinator service."""
