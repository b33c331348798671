"""`python -m guardian_common.secret_files COMMAND [ARG...]`: reads secrets from files into the environment,
then replaces itself with COMMAND (so the service stays PID 1 and receives SIGTERM itself).

For each setting in SECRET_SETTINGS, `<SETTING>_FILE=/path` sets `<SETTING>` to that file's content with the
trailing newline removed. Compose and Kubernetes mount secrets as files; passing them as plain environment
variables would put them in `docker inspect` and in every child's environment listing. A named file that is
missing, unreadable or empty stops the start with a one-line message naming the setting (never the value).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path

SECRET_SETTINGS = (
    "GUARDIAN_INTERNAL_TOKEN",
    "GUARDIAN_DASHBOARD_CURSOR_SECRET",
    "DATABASE_URL",
)


class SecretFileError(Exception):
    pass


def load(environ: MutableMapping[str, str], settings: tuple[str, ...] = SECRET_SETTINGS) -> list[str]:
    """Fills `environ` from the `*_FILE` settings; returns the names it set."""
    loaded = []
    for setting in settings:
        path = environ.get(f"{setting}_FILE")
        if not path:
            continue
        if environ.get(setting):
            raise SecretFileError(f"{setting} and {setting}_FILE are both set: keep one")
        try:
            value = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise SecretFileError(f"{setting}_FILE={path}: {exc.strerror or exc}") from None
        if not value.strip():
            raise SecretFileError(f"{setting}_FILE={path} is empty")
        environ[setting] = value
        del environ[f"{setting}_FILE"]
        loaded.append(setting)
    return loaded


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        sys.exit("usage: python -m guardian_common.secret_files COMMAND [ARG...]")
    env = dict(os.environ if environ is None else environ)
    try:
        load(env)
    except SecretFileError as exc:
        sys.exit(f"secret_files: {exc}")
    os.execvpe(args[0], args, env)


if __name__ == "__main__":
    main()
