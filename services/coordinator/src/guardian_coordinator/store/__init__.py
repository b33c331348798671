"""Store implementations: `memory` (single-process) and `postgres` (shared)."""
