"""Unit tests of the canonicalizer's domain against in-memory fakes of its ports.

A package of its own, under a name no other test folder uses, so `from .fakes import …` resolves the same
way whichever test folders one pytest run collects together (several are plain `tests` packages)."""
