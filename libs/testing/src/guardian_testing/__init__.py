"""Test support shared by every package of the workspace."""
