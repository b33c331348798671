"""Guardian canonicalizer."""
