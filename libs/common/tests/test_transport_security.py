"""Optional TLS and mutual TLS for internal gRPC (guardian_common.transport_security): real handshakes over
loopback with certificates made by the openssl command for each test run."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from guardian_common.errors import ConfigurationError
from guardian_common.grpc_client import internal_channel
from guardian_common.grpc_server import GrpcServer
from guardian_common.transport_security import channel_security, server_credentials

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(directory: Path, name: str) -> None:
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=directory)  # fmt: skip


def make_leaf(directory: Path, ca: str, name: str) -> None:
    (directory / f"{name}.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", cwd=directory)  # fmt: skip
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=directory)  # fmt: skip


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pki")
    make_ca(directory, "ca")
    make_ca(directory, "other-ca")
    make_leaf(directory, "ca", "server")
    make_leaf(directory, "ca", "client")
    make_leaf(directory, "other-ca", "stranger")
    return directory


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("CERT", "KEY", "CLIENT_CA", "CA", "CLIENT_CERT", "CLIENT_KEY", "SERVER_NAME"):
        monkeypatch.delenv(f"GUARDIAN_GRPC_TLS_{name}_FILE", raising=False)
    monkeypatch.delenv("GUARDIAN_GRPC_TLS_SERVER_NAME", raising=False)
    yield monkeypatch


async def serve(monkeypatch: pytest.MonkeyPatch, pki: Path, mutual: bool) -> GrpcServer:
    monkeypatch.setenv("GUARDIAN_GRPC_TLS_CERT_FILE", str(pki / "server.pem"))
    monkeypatch.setenv("GUARDIAN_GRPC_TLS_KEY_FILE", str(pki / "server.key"))
    if mutual:
        monkeypatch.setenv("GUARDIAN_GRPC_TLS_CLIENT_CA_FILE", str(pki / "ca.pem"))
    server = GrpcServer(address="127.0.0.1:0", service_names=[], internal_token=None)
    await server.start()
    for name in (
        "GUARDIAN_GRPC_TLS_CERT_FILE",
        "GUARDIAN_GRPC_TLS_KEY_FILE",
        "GUARDIAN_GRPC_TLS_CLIENT_CA_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    return server


async def answers(monkeypatch: pytest.MonkeyPatch, port: int | str, **client: str) -> bool:
    for name, value in client.items():
        monkeypatch.setenv(f"GUARDIAN_GRPC_TLS_{name}", value)
    channel = internal_channel(port if isinstance(port, str) else f"127.0.0.1:{port}", None)
    try:
        await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=3)
        return True
    except grpc.aio.AioRpcError as exc:
        assert exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED), exc
        return False
    finally:
        await channel.close(None)
        for name in client:
            monkeypatch.delenv(f"GUARDIAN_GRPC_TLS_{name}")


async def test_tls_server_refuses_plaintext_and_unknown_authorities(
    clean_env: pytest.MonkeyPatch, pki: Path
) -> None:
    server = await serve(clean_env, pki, mutual=False)
    try:
        assert not await answers(clean_env, server.port)
        assert not await answers(clean_env, server.port, CA_FILE=str(pki / "other-ca.pem"))
        assert await answers(clean_env, server.port, CA_FILE=str(pki / "ca.pem"))
        # An `ipv4:` list (how fleets name replicas) has no host name to check: the certificate is checked
        # against GUARDIAN_GRPC_TLS_SERVER_NAME instead.
        replicas = f"ipv4:127.0.0.1:{server.port},127.0.0.1:{server.port}"
        assert await answers(clean_env, replicas, CA_FILE=str(pki / "ca.pem"), SERVER_NAME="localhost")
        assert not await answers(clean_env, replicas, CA_FILE=str(pki / "ca.pem"), SERVER_NAME="elsewhere")
    finally:
        await server.drain(0)


async def test_mutual_tls_needs_a_client_certificate_from_the_trusted_authority(
    clean_env: pytest.MonkeyPatch, pki: Path
) -> None:
    server = await serve(clean_env, pki, mutual=True)
    trusted = str(pki / "ca.pem")
    try:
        assert not await answers(clean_env, server.port, CA_FILE=trusted)
        assert not await answers(
            clean_env,
            server.port,
            CA_FILE=trusted,
            CLIENT_CERT_FILE=str(pki / "stranger.pem"),
            CLIENT_KEY_FILE=str(pki / "stranger.key"),
        )
        assert await answers(
            clean_env,
            server.port,
            CA_FILE=trusted,
            CLIENT_CERT_FILE=str(pki / "client.pem"),
            CLIENT_KEY_FILE=str(pki / "client.key"),
        )
    finally:
        await server.drain(0)


def test_half_configured_or_unreadable_files_stop_the_start(pki: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="set both GUARDIAN_GRPC_TLS_CERT_FILE"):
        server_credentials({"GUARDIAN_GRPC_TLS_CERT_FILE": str(pki / "server.pem")})
    with pytest.raises(ConfigurationError, match="GUARDIAN_GRPC_TLS_CLIENT_CA_FILE needs"):
        server_credentials({"GUARDIAN_GRPC_TLS_CLIENT_CA_FILE": str(pki / "ca.pem")})
    with pytest.raises(ConfigurationError, match="GUARDIAN_GRPC_TLS_CLIENT_CERT_FILE needs"):
        channel_security(
            {
                "GUARDIAN_GRPC_TLS_CLIENT_CERT_FILE": str(pki / "client.pem"),
                "GUARDIAN_GRPC_TLS_CLIENT_KEY_FILE": str(pki / "client.key"),
            }
        )
    (tmp_path / "not.pem").write_text("hello")
    with pytest.raises(ConfigurationError, match="not a PEM file"):
        channel_security({"GUARDIAN_GRPC_TLS_CA_FILE": str(tmp_path / "not.pem")})
    with pytest.raises(ConfigurationError, match=r"GUARDIAN_GRPC_TLS_CA_FILE=.*missing"):
        channel_security({"GUARDIAN_GRPC_TLS_CA_FILE": str(tmp_path / "missing")})
    assert server_credentials({}) is None and channel_security({}) is None
