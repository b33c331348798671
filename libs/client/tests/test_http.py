"""The client against a real HTTP server on a loopback port that answers from a script and records every
request: retries only for retryable errors (counted), re-signing on retry, base URLs in turn, the push's
ack check, the operator challenge check."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from guardian_auth.domain.ack import AckDelta, AckSigner, FalconAckSigner
from guardian_client import (
    AckKey,
    AckVerificationError,
    ChallengeMismatch,
    CommitmentMismatch,
    Cosigner,
    CustodyClient,
    LoginClient,
    NotFound,
    ProtocolError,
    RateLimited,
    RetryPolicy,
    ServerError,
    new_account_id,
)
from guardian_client.errors import ApiError
from guardian_crypto.digests import operator_challenge_digest
from guardian_crypto.field import word_to_hex
from guardian_testing.identities import falcon_ack_identity, operators


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


def envelope(status: int, code: str, retryable: bool, **meta: Any) -> Answer:
    return Answer(
        status, {"code": code, "message": code.replace("_", " "), "meta": {"retryable": retryable, **meta}}
    )


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


Responder = Callable[[Seen], Answer]


class ScriptedServer:
    """`script(method, path, *answers)`: the answers in order, the last one repeated; an answer may be a
    function of the request."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._script: dict[tuple[str, str], list[Answer | Responder]] = {}
        self._lock = threading.Lock()
        self.url = ""

    def script(self, method: str, path: str, *answers: Answer | Responder) -> None:
        with self._lock:
            self._script[(method, path)] = list(answers)

    def requests(self, method: str, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if (s.method, s.path) == (method, path)]

    def _answer(self, seen: Seen) -> Answer:
        with self._lock:
            self.seen.append(seen)
            queue = self._script.get((seen.method, seen.path))
            if not queue:
                return envelope(404, "not_found", False)
            item = queue.pop(0) if len(queue) > 1 else queue[0]
        return item(seen) if callable(item) else item


@contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            seen = Seen(
                self.command,
                parts.path,
                parse_qs(parts.query),
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            answer = server._answer(seen)
            data = answer.encoded()
            self.send_response(answer.status)
            content_type = "text/html" if isinstance(answer.body, bytes) else "application/json"
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


# ------------------------------------------------------------------------------------------------ tests

FAST = RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.5, jitter=0)
ACK = AckSigner(bytes.fromhex("7f" * 32), configured=True)
ACCOUNT = new_account_id()
BASE = "0x" + "01" * 32
NEW = "0x" + "02" * 32


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with scripted_server() as running:
        running.script(
            "GET", "/pubkey", Answer(200, {"commitment": ACK.commitment, "pubkey": ACK.public_key_hex})
        )
        yield running


def acked(*, new_commitment: str = NEW, signed_commitment: str = NEW) -> Responder:
    """A push answer whose ack is made by auth's own AckSigner over `signed_commitment`."""

    def answer(seen: Seen) -> Answer:
        body = json.loads(seen.body)
        ack = ACK.sign(
            AckDelta(
                body["account_id"],
                body["nonce"],
                body["prev_commitment"],
                signed_commitment,
                body["delta_payload"],
            )
        )
        delta = {
            **{k: body[k] for k in ("account_id", "nonce", "prev_commitment", "delta_payload")},
            "new_commitment": new_commitment,
            "ack_sig": ack.signature_hex,
            "ack_pubkey": ack.public_key_hex,
            "ack_scheme": "ecdsa",
            "status": {"status": "candidate", "timestamp": "2026-01-01T00:00:00Z", "retry_count": 0},
        }
        return Answer(200, delta)

    return answer


STATE = Answer(
    200,
    {
        "account_id": ACCOUNT,
        "state_json": {"balance": 1},
        "commitment": BASE,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "auth_scheme": "ecdsa",
    },
)


async def test_a_read_is_retried_after_a_retryable_error_and_signed_again(server: ScriptedServer) -> None:
    server.script("GET", "/state", envelope(503, "service_unavailable", True), STATE)
    signer = Cosigner.ecdsa()
    async with CustodyClient(server.url, retry=FAST) as client:
        state = await client.get_state(signer, ACCOUNT)
    assert state.state == {"balance": 1} and state.commitment == BASE
    first, second = server.requests("GET", "/state")
    assert int(second.headers["x-timestamp"]) > int(first.headers["x-timestamp"])
    assert second.headers["x-signature"] != first.headers["x-signature"]
    assert first.query == {"account_id": [ACCOUNT]}


@pytest.mark.parametrize(
    ("refusal", "retried"),
    [
        (envelope(401, "authentication_replay", True), True),
        (envelope(429, "rate_limit_exceeded", True), True),
        (envelope(503, "service_unavailable", True), True),
        (envelope(500, "signing_error", True), True),
        # Retryable, but the coordinator may have committed the candidate before it stopped answering.
        (envelope(500, "storage_error", True), False),
        # Retryable for a configure only.
        (envelope(409, "account_configured_concurrently", True), False),
        (envelope(409, "conflict_pending_delta", False), False),
    ],
)
async def test_a_push_is_retried_only_after_refusals_that_wrote_nothing(
    server: ScriptedServer, refusal: Answer, retried: bool
) -> None:
    server.script("POST", "/delta", refusal, acked())
    signer = Cosigner.ecdsa()
    async with CustodyClient(server.url, retry=FAST) as client:
        if retried:
            delta = await client.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
            assert delta.new_commitment == NEW and delta.status_kind == "candidate"
        else:
            with pytest.raises(ApiError) as raised:
                await client.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
            assert raised.value.code == refusal.body["code"]
            assert raised.value.status == refusal.status
    pushes = server.requests("POST", "/delta")
    assert len(pushes) == (2 if retried else 1)
    assert all(p.headers["content-type"] == "application/json" for p in pushes)
    assert len({p.headers["x-timestamp"] for p in pushes}) == len(pushes), "each attempt is signed afresh"


async def test_a_configure_is_retried_after_a_lost_creation_race_but_not_after_auth_went_away(
    server: ScriptedServer,
) -> None:
    configured = Answer(
        200,
        {
            "success": True,
            "message": f"Account '{ACCOUNT}' configured successfully",
            "ack_pubkey": ACK.public_key_hex,
            "ack_commitment": ACK.commitment,
        },
    )
    signer = Cosigner.ecdsa()
    server.script("POST", "/configure", envelope(409, "account_configured_concurrently", True), configured)
    async with CustodyClient(server.url, retry=FAST) as client:
        result = await client.configure(signer, ACCOUNT, {"balance": 1})
        assert result.ack_pubkey == ACK.public_key_hex
        assert len(server.requests("POST", "/configure")) == 2
        # configure asks auth for the ack key after writing: a 503 does not mean nothing was written.
        server.script("POST", "/configure", envelope(503, "service_unavailable", True), configured)
        with pytest.raises(ServerError):
            await client.configure(signer, ACCOUNT, {"balance": 1})
    assert len(server.requests("POST", "/configure")) == 3
    body = json.loads(server.requests("POST", "/configure")[0].body)
    assert body == {
        "account_id": ACCOUNT,
        "auth": {"MidenEcdsa": {"cosigner_commitments": [signer.commitment]}},
        "initial_state": {"balance": 1},
    }


async def test_attempts_are_bounded_and_the_last_error_is_raised(server: ScriptedServer) -> None:
    server.script("GET", "/delta", envelope(500, "storage_error", True))
    async with CustodyClient(server.url, retry=FAST) as client:
        with pytest.raises(ServerError) as raised:
            await client.get_delta(Cosigner.ecdsa(), ACCOUNT, 4)
    assert raised.value.retryable and raised.value.code == "storage_error"
    assert len(server.requests("GET", "/delta")) == FAST.max_attempts


async def test_non_retryable_errors_are_raised_at_once_with_their_type(server: ScriptedServer) -> None:
    signer = Cosigner.ecdsa()
    server.script("POST", "/delta", envelope(400, "commitment_mismatch", False, expected=NEW, actual=BASE))
    server.script("GET", "/state", envelope(404, "account_not_found", False))
    async with CustodyClient(server.url, retry=FAST) as client:
        with pytest.raises(CommitmentMismatch) as mismatch:
            await client.push_delta(signer, ACCOUNT, 1, BASE, {})
        assert mismatch.value.expected == NEW and mismatch.value.actual == BASE
        with pytest.raises(NotFound):
            await client.get_state(signer, ACCOUNT)
    assert len(server.requests("POST", "/delta")) == 1 and len(server.requests("GET", "/state")) == 1


async def test_a_retry_hint_longer_than_the_policy_allows_is_not_waited_for(server: ScriptedServer) -> None:
    server.script("GET", "/state", envelope(429, "rate_limit_exceeded", True, retry_after_secs=60), STATE)
    async with CustodyClient(server.url, retry=FAST) as client:
        with pytest.raises(RateLimited) as raised:
            await client.get_state(Cosigner.ecdsa(), ACCOUNT)
    assert raised.value.retry_after == 60
    assert len(server.requests("GET", "/state")) == 1


async def test_an_error_without_the_envelope_is_a_protocol_error_and_not_retried(
    server: ScriptedServer,
) -> None:
    server.script("GET", "/state", Answer(500, b"<html>oops</html>"))
    async with CustodyClient(server.url, retry=FAST) as client:
        with pytest.raises(ProtocolError) as raised:
            await client.get_state(Cosigner.ecdsa(), ACCOUNT)
    assert raised.value.status == 500 and "oops" in str(raised.value)
    assert len(server.requests("GET", "/state")) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_proxy_error_is_retried_on_a_read_but_not_on_a_push(
    server: ScriptedServer, status: int
) -> None:
    """A load balancer's own answer (no envelope) while a gateway restarts: a read is safe to send again; a
    push may have been forwarded before the proxy failed, so it is raised."""
    server.script("GET", "/state", Answer(status, b""), STATE)
    server.script("POST", "/delta", Answer(status, b"<html>bad gateway</html>"), acked())
    signer = Cosigner.ecdsa()
    async with CustodyClient(server.url, retry=FAST) as client:
        assert (await client.get_state(signer, ACCOUNT)).commitment == BASE
        with pytest.raises(ProtocolError) as raised:
            await client.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
    assert raised.value.status == status
    assert len(server.requests("GET", "/state")) == 2 and len(server.requests("POST", "/delta")) == 1


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_a_gateway_that_cannot_be_reached_is_skipped_even_for_a_push(server: ScriptedServer) -> None:
    server.script("POST", "/delta", acked())
    async with CustodyClient([closed_port_url(), server.url], retry=FAST) as client:
        delta = await client.push_delta(Cosigner.ecdsa(), ACCOUNT, 1, BASE, {"balance": 2})
    assert delta.nonce == 1
    assert len(server.requests("POST", "/delta")) == 1


async def test_a_push_ack_is_checked_against_the_servers_key(server: ScriptedServer) -> None:
    signer = Cosigner.ecdsa()
    async with CustodyClient(server.url, retry=FAST) as client:
        server.script("POST", "/delta", acked())
        await client.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
        assert len(server.requests("GET", "/pubkey")) == 1
        # An ack over another new commitment than the one answered.
        server.script("POST", "/delta", acked(signed_commitment="0x" + "03" * 32))
        with pytest.raises(AckVerificationError) as raised:
            await client.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
        assert raised.value.delta.new_commitment == NEW, "the stored candidate comes with the error"
        assert len(server.requests("GET", "/pubkey")) == 1, "the key is fetched once"

    other = AckSigner(bytes.fromhex("5a" * 32), configured=True)
    server.script("POST", "/delta", acked())
    async with CustodyClient(server.url, retry=FAST, ack_key=other.public_key_hex) as pinned:
        with pytest.raises(AckVerificationError):
            await pinned.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
    async with CustodyClient(server.url, retry=FAST, verify_acks=False) as unchecked:
        await unchecked.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
    assert len(server.requests("GET", "/pubkey")) == 1, "a pinned key is never fetched"


FALCON_ACK = FalconAckSigner(falcon_ack_identity().secret_key.to_bytes(), configured=True)


def falcon_acked(*, signed_commitment: str = NEW, scheme: str = "falcon") -> Responder:
    """A push answer acknowledged with auth's own Falcon ack signer (as for a MidenFalconRpo account)."""

    def answer(seen: Seen) -> Answer:
        body = json.loads(seen.body)
        fields = (body["account_id"], body["nonce"], body["prev_commitment"], signed_commitment)
        # The scripted server answers on its own thread, outside any event loop.
        signed = asyncio.run(FALCON_ACK.sign(AckDelta(*fields, body["delta_payload"])))
        delta = {
            **{k: body[k] for k in ("account_id", "nonce", "prev_commitment", "delta_payload")},
            "new_commitment": NEW,
            "ack_sig": signed.signature_hex,
            "ack_pubkey": signed.public_key_hex,
            "ack_scheme": scheme,
            "status": {"status": "candidate", "timestamp": "2026-01-01T00:00:00Z", "retry_count": 0},
        }
        return Answer(200, delta)

    return answer


def pubkey_by_scheme(seen: Seen) -> Answer:
    if seen.query.get("scheme") == ["falcon"]:
        return Answer(200, {"commitment": FALCON_ACK.commitment})
    return Answer(200, {"commitment": ACK.commitment, "pubkey": ACK.public_key_hex})


async def test_a_falcon_push_ack_is_checked_against_the_servers_falcon_key(server: ScriptedServer) -> None:
    server.script("GET", "/pubkey", pubkey_by_scheme)
    signer = Cosigner.falcon(operators()[1].secret_key)
    async with CustodyClient(server.url, retry=FAST) as client:
        assert await client.pubkey("falcon") == AckKey(FALCON_ACK.commitment, "", "falcon")
        assert await client.pubkey() == AckKey(ACK.commitment, ACK.public_key_hex, "ecdsa")
        server.script("POST", "/delta", falcon_acked())
        delta = await client.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
        assert delta.ack_scheme == "falcon" and delta.ack_pubkey == FALCON_ACK.public_key_hex
        asked = [seen.query.get("scheme") for seen in server.requests("GET", "/pubkey")]
        assert asked == [["falcon"], None, ["falcon"]], "the push fetched the Falcon commitment"
        await client.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
        assert len(server.requests("GET", "/pubkey")) == 3, "the Falcon commitment is fetched once"
        # A Falcon ack over another new commitment, and an ack in the other scheme than the account's.
        server.script("POST", "/delta", falcon_acked(signed_commitment="0x" + "03" * 32))
        with pytest.raises(AckVerificationError, match="falcon ack key"):
            await client.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
        server.script("POST", "/delta", acked())
        with pytest.raises(AckVerificationError, match="acknowledged with 'ecdsa'"):
            await client.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
        server.script("POST", "/delta", falcon_acked())
        with pytest.raises(AckVerificationError, match="acknowledged with 'falcon'"):
            await client.push_delta(Cosigner.ecdsa(), ACCOUNT, 1, BASE, {"balance": 2})
    # A pinned commitment is used as it is: another key's is refused, without asking /pubkey.
    fetched = len(server.requests("GET", "/pubkey"))
    server.script("POST", "/delta", falcon_acked())
    async with CustodyClient(
        server.url, retry=FAST, falcon_ack_commitment=operators()[0].commitment
    ) as pinned:
        with pytest.raises(AckVerificationError):
            await pinned.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
    async with CustodyClient(server.url, retry=FAST, falcon_ack_commitment=FALCON_ACK.commitment) as pinned:
        await pinned.push_delta(signer, ACCOUNT, 1, BASE, {"balance": 2})
    assert len(server.requests("GET", "/pubkey")) == fetched


def challenge(*, tamper: bool) -> Responder:
    def answer(seen: Seen) -> Answer:
        commitment = seen.query["commitment"][0]
        fields = {
            "domain": "guardian.test",
            "commitment": commitment,
            "nonce": "ab" * 32,
            "expires_at": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
        }
        digest = operator_challenge_digest(**fields)
        if tamper:  # e.g. a request digest for an account this key also cosigns
            digest = operator_challenge_digest(**{**fields, "nonce": "cd" * 32})
        return Answer(200, {"success": True, "challenge": {**fields, "signing_digest": word_to_hex(digest)}})

    return answer


async def test_operator_login_is_one_flow_retried_as_a_whole(server: ScriptedServer) -> None:
    operator = operators()[0]
    session = Answer(
        200,
        {"success": True, "operator_id": operator.commitment, "expires_at": "2026-01-01T00:00:00+00:00"},
        {"set-cookie": "guardian_operator_session=" + "e" * 64 + "; HttpOnly; Path=/"},
    )
    server.script("GET", "/auth/challenge", challenge(tamper=False))
    server.script("POST", "/auth/verify", envelope(500, "storage_error", True), session)
    async with LoginClient(server.url, retry=FAST) as client:
        logged_in = await client.operator_login(operator)
    assert logged_in.cookie == "guardian_operator_session=" + "e" * 64
    assert logged_in.operator_id == operator.commitment
    assert len(server.requests("GET", "/auth/challenge")) == 2, "a retry starts from a new challenge"
    verifies = [json.loads(v.body) for v in server.requests("POST", "/auth/verify")]
    assert len(verifies) == 2 and verifies[0]["signature"] != verifies[1]["signature"]


async def test_a_challenge_whose_digest_is_not_its_own_is_never_signed(server: ScriptedServer) -> None:
    server.script("GET", "/auth/challenge", challenge(tamper=True))
    async with LoginClient(server.url, retry=FAST) as client:
        with pytest.raises(ChallengeMismatch):
            await client.operator_login(operators()[0])
    assert server.requests("POST", "/auth/verify") == []
    assert len(server.requests("GET", "/auth/challenge")) == 1
