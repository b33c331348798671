"""Gateway tests (a package, so mypy names its modules tests.* and not bare conftest/test_*)."""
