"""Shared helpers for Guardian services."""
