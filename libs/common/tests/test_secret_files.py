"""Secrets read from files into the environment before a service starts (the compose fleet's secrets)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from guardian_common.secret_files import SecretFileError, load


def test_file_settings_become_the_setting_and_the_file_variable_goes(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("a-long-internal-token-value\n")
    env = {"GUARDIAN_INTERNAL_TOKEN_FILE": str(token), "OTHER": "x"}
    assert load(env) == ["GUARDIAN_INTERNAL_TOKEN"]
    assert env == {"GUARDIAN_INTERNAL_TOKEN": "a-long-internal-token-value", "OTHER": "x"}


def test_unknown_file_settings_are_left_alone(tmp_path: Path) -> None:
    env = {"GUARDIAN_SOMETHING_FILE": str(tmp_path / "nope")}
    assert load(env) == []
    assert env == {"GUARDIAN_SOMETHING_FILE": str(tmp_path / "nope")}


@pytest.mark.parametrize("content", ["", "  \n"])
def test_an_empty_file_is_refused(tmp_path: Path, content: str) -> None:
    secret = tmp_path / "secret"
    secret.write_text(content)
    with pytest.raises(SecretFileError, match=r"GUARDIAN_DASHBOARD_CURSOR_SECRET_FILE=.* is empty"):
        load({"GUARDIAN_DASHBOARD_CURSOR_SECRET_FILE": str(secret)})


def test_a_missing_file_and_a_double_setting_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SecretFileError, match=r"DATABASE_URL_FILE=.*No such file"):
        load({"DATABASE_URL_FILE": str(tmp_path / "missing")})
    secret = tmp_path / "url"
    secret.write_text("postgresql://x")
    with pytest.raises(SecretFileError, match="both set"):
        load({"DATABASE_URL_FILE": str(secret), "DATABASE_URL": "postgresql://y"})


def test_the_command_runs_with_the_secret_and_a_bad_file_stops_it_without_the_value(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cret-token-value-0123456789")
    code = "import os; print(os.environ['GUARDIAN_INTERNAL_TOKEN'], 'GUARDIAN_INTERNAL_TOKEN_FILE' in os.environ)"
    run = subprocess.run(
        [sys.executable, "-m", "guardian_common.secret_files", sys.executable, "-c", code],
        env={"GUARDIAN_INTERNAL_TOKEN_FILE": str(secret), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.split() == ["s3cret-token-value-0123456789", "False"]
    secret.write_text("")
    failed = subprocess.run(
        [sys.executable, "-m", "guardian_common.secret_files", "true"],
        env={"GUARDIAN_INTERNAL_TOKEN_FILE": str(secret), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert (
        failed.returncode == 1
        and "GUARDIAN_INTERNAL_TOKEN_FILE" in failed.stderr
        and "s3cret" not in failed.stderr
    )
