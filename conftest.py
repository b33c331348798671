"""Workspace-wide pytest setup: the shared fixtures live in libs/testing."""

pytest_plugins = ["guardian_testing.fixtures"]
