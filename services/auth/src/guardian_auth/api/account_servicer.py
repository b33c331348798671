"""AccountAuth over gRPC: per-account request signatures and delta acknowledgements."""

from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from guardian.auth.v1 import auth_pb2 as pb
from guardian.auth.v1 import auth_pb2_grpc as pb_grpc
from guardian_auth.api.servicers import Context, envelope_errors
from guardian_auth.domain.ack import ECDSA, Ack, AckKeyInfo, AckKeys
from guardian_auth.domain.authorize import AuthorizationRequest, RequestAuthorizer
from guardian_auth.domain.lookup_auth import LookupAuthenticator
from guardian_auth.domain.push import PushAuthorizer, PushRequest
from guardian_auth.domain.request_auth import RequestAuthenticator, Scheme, SignedRequest
from guardian_auth.domain.stores import StoredState
from guardian_common.envelope import ErrorEnvelope
from guardian_crypto.field import word_to_hex

SCHEMES = {pb.SIGNATURE_SCHEME_FALCON: Scheme.FALCON, pb.SIGNATURE_SCHEME_ECDSA: Scheme.ECDSA}


def ack_signature(ack: Ack) -> pb.AckSignature:
    return pb.AckSignature(
        ack_sig=ack.signature_hex,
        ack_pubkey=ack.public_key_hex,
        ack_scheme=ack.scheme,
        message=word_to_hex(ack.message),
    )


def ack_key_info(key: AckKeyInfo) -> pb.AckKeyInfo:
    return pb.AckKeyInfo(scheme=key.scheme, public_key=key.public_key_hex, commitment=key.commitment)


def state_info(state: StoredState) -> pb.AccountStateInfo:
    created_at, updated_at = Timestamp(), Timestamp()
    created_at.FromDatetime(state.created_at)
    updated_at.FromDatetime(state.updated_at)
    return pb.AccountStateInfo(
        state_json=state.json, commitment=state.commitment, created_at=created_at, updated_at=updated_at
    )


class AccountAuthServicer(pb_grpc.AccountAuthServicer):
    def __init__(
        self,
        authenticator: RequestAuthenticator,
        signer: AckKeys,
        pushes: PushAuthorizer,
        requests: RequestAuthorizer,
        lookups: LookupAuthenticator | None = None,
    ) -> None:
        self._authenticator = authenticator
        self._signer = signer
        self._pushes = pushes
        self._requests = requests
        self._lookups = lookups or LookupAuthenticator()

    @envelope_errors
    async def AuthorizePush(self, request: pb.PushAuthorization, context: Context) -> pb.AuthorizedPush:
        authorized = await self._pushes.authorize(
            PushRequest(
                account_id=request.account_id,
                pubkey=request.pubkey,
                signature=request.signature,
                timestamp=request.timestamp,
                payload=request.payload,
                nonce=request.nonce,
                prev_commitment=request.prev_commitment,
                delta_payload_json=request.delta_payload_json,
            )
        )
        return pb.AuthorizedPush(
            signer_commitment=authorized.signer_commitment,
            timestamp_ms=authorized.timestamp_ms,
            new_commitment=authorized.new_commitment,
            ack=ack_signature(authorized.ack),
        )

    @envelope_errors
    async def AuthorizeRequest(
        self, request: pb.RequestAuthorization, context: Context
    ) -> pb.AuthorizedRequest:
        authorized = await self._requests.authorize(
            AuthorizationRequest(
                account_id=request.account_id,
                pubkey=request.pubkey,
                signature=request.signature,
                timestamp=request.timestamp,
                payload=request.payload,
                include_state=request.include_state,
                defer_replay_check=request.defer_replay_check,
                proposed_auth_json=request.proposed_auth_json,
            )
        )
        # Only POST /configure answers with the ack key (of the scheme it configures); the other routes skip
        # it, so reading a Falcon account never waits for a development Falcon key to be generated.
        ack_key = None
        if request.proposed_auth_json:
            ack_key = ack_key_info(await self._signer.info(authorized.ack_scheme))
        return pb.AuthorizedRequest(
            signer_commitment=authorized.signer_commitment,
            timestamp_ms=authorized.timestamp_ms,
            account_exists=authorized.account_exists,
            auth_scheme=authorized.auth_scheme,
            state=None if authorized.state is None else state_info(authorized.state),
            ack_key=ack_key,
        )

    @envelope_errors
    async def VerifyRequest(self, request: pb.RequestVerification, context: Context) -> pb.VerifiedRequest:
        scheme = SCHEMES.get(request.scheme)
        if scheme is None:
            raise ErrorEnvelope.of("invalid_input", "scheme must be FALCON or ECDSA")
        verified = await self._authenticator.verify(
            SignedRequest(
                account_id=request.account_id,
                pubkey=request.pubkey,
                signature=request.signature,
                timestamp=request.timestamp,
                payload=request.payload,
                scheme=scheme,
                cosigners=list(request.cosigner_commitments),
                consume_timestamp=request.consume_timestamp,
            )
        )
        return pb.VerifiedRequest(
            signer_commitment=verified.signer_commitment, timestamp_ms=verified.timestamp_ms
        )

    @envelope_errors
    async def SignAck(self, request: pb.AckRequest, context: Context) -> pb.AckSignature:
        # AckRequest names no scheme: the ECDSA key, as before Falcon acks (AuthorizePush picks by account).
        ack = self._signer.ecdsa.sign_json(
            request.account_id,
            request.nonce,
            request.prev_commitment,
            request.new_commitment,
            request.delta_payload_json,
        )
        return ack_signature(ack)

    @envelope_errors
    async def AckKey(self, request: pb.AckKeyRequest, context: Context) -> pb.AckKeyInfo:
        # "" (callers from before Falcon acks) → ECDSA; anything but ecdsa/falcon → invalid_input.
        return ack_key_info(await self._signer.info(request.scheme or ECDSA))

    @envelope_errors
    async def AuthorizeLookup(self, request: pb.LookupAuthorization, context: Context) -> pb.AuthorizedLookup:
        # One verification of a tiny fixed-size digest: inline, like the small-payload request checks.
        commitment = self._lookups.verify(request.key_commitment, request.signature, request.timestamp)
        return pb.AuthorizedLookup(key_commitment=commitment)


def register_account_auth(
    server: grpc.aio.Server,
    authenticator: RequestAuthenticator,
    signer: AckKeys,
    pushes: PushAuthorizer,
    requests: RequestAuthorizer,
) -> None:
    servicer = AccountAuthServicer(authenticator, signer, pushes, requests)
    pb_grpc.add_AccountAuthServicer_to_server(servicer, server)
