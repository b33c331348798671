"""Optional TLS and mutual TLS for internal gRPC, from certificate files named by environment variables
(docs/CONFIGURATION.md "Internal gRPC transport"). Unset: plaintext, as before; the internal token still
authenticates every call.

Server side (every gRPC service): GUARDIAN_GRPC_TLS_CERT_FILE and GUARDIAN_GRPC_TLS_KEY_FILE (PEM, both or
neither) make the port speak TLS; GUARDIAN_GRPC_TLS_CLIENT_CA_FILE also requires every client to present a
certificate signed by that CA (mutual TLS). Client side (every internal channel): GUARDIAN_GRPC_TLS_CA_FILE
makes the channel TLS, trusting that CA; GUARDIAN_GRPC_TLS_CLIENT_CERT_FILE and _KEY_FILE present a client
certificate; GUARDIAN_GRPC_TLS_SERVER_NAME checks the servers' certificates against that name instead of
the target's host (useful when targets are IP addresses). A named file that cannot be read, or half a pair,
stops the start with a ConfigurationError naming the setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import grpc

from guardian_common.errors import ConfigurationError

SERVER_CERT = "GUARDIAN_GRPC_TLS_CERT_FILE"
SERVER_KEY = "GUARDIAN_GRPC_TLS_KEY_FILE"
CLIENT_CA = "GUARDIAN_GRPC_TLS_CLIENT_CA_FILE"
TRUSTED_CA = "GUARDIAN_GRPC_TLS_CA_FILE"
CLIENT_CERT = "GUARDIAN_GRPC_TLS_CLIENT_CERT_FILE"
CLIENT_KEY = "GUARDIAN_GRPC_TLS_CLIENT_KEY_FILE"
SERVER_NAME = "GUARDIAN_GRPC_TLS_SERVER_NAME"


def _read(environ: Mapping[str, str], setting: str) -> bytes | None:
    path = environ.get(setting, "").strip()
    if not path:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{setting}={path}: {exc.strerror or exc}") from None
    if b"-----BEGIN " not in data:
        raise ConfigurationError(f"{setting}={path}: not a PEM file")
    return data


def _pair(environ: Mapping[str, str], cert: str, key: str) -> tuple[bytes, bytes] | None:
    chain, private = _read(environ, cert), _read(environ, key)
    if (chain is None) != (private is None):
        raise ConfigurationError(f"set both {cert} and {key}, or neither")
    return (chain, private) if chain is not None and private is not None else None


def server_credentials(environ: Mapping[str, str] | None = None) -> grpc.ServerCredentials | None:
    env = os.environ if environ is None else environ
    pair = _pair(env, SERVER_CERT, SERVER_KEY)
    client_ca = _read(env, CLIENT_CA)
    if pair is None:
        if client_ca is not None:
            raise ConfigurationError(f"{CLIENT_CA} needs {SERVER_CERT} and {SERVER_KEY}")
        return None
    chain, private = pair
    return grpc.ssl_server_credentials(
        [(private, chain)], root_certificates=client_ca, require_client_auth=client_ca is not None
    )


@dataclass(frozen=True)
class ChannelSecurity:
    credentials: grpc.ChannelCredentials
    server_name: str | None


def channel_security(environ: Mapping[str, str] | None = None) -> ChannelSecurity | None:
    env = os.environ if environ is None else environ
    trusted = _read(env, TRUSTED_CA)
    pair = _pair(env, CLIENT_CERT, CLIENT_KEY)
    if trusted is None:
        if pair is not None:
            raise ConfigurationError(f"{CLIENT_CERT} needs {TRUSTED_CA}")
        return None
    credentials = grpc.ssl_channel_credentials(
        root_certificates=trusted,
        private_key=pair[1] if pair else None,
        certificate_chain=pair[0] if pair else None,
    )
    return ChannelSecurity(credentials, env.get(SERVER_NAME, "").strip() or None)
