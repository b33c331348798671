"""Errors a service raises at startup when its configuration cannot work."""

from __future__ import annotations


class ConfigurationError(Exception):
    """Startup refused. The message names the variable, the consequence and the remedy."""
