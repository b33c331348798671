"""AccountAuth over gRPC: per-account request signatures and delta acknowledgements."""

from __future__ import annotations

import grpc

from guardian.auth.v1 import auth_pb2 as pb
from guardian.auth.v1 import auth_pb2_grpc as pb_grpc
from guardian_auth.api.servicers import Context, envelope_errors
from guardian_auth.domain.ack import SCHEME, Ack, AckSigner
from guardian_auth.domain.push import PushAuthorizer, PushRequest
from guardian_auth.domain.request_auth import RequestAuthenticator, Scheme, SignedRequest
from guardian_common.envelope import ErrorEnvelope
from guardian_crypto.field import word_to_hex

SCHEMES = {pb.SIGNATURE_SCHEME_FALCON: Scheme.FALCON, pb.SIGNATURE_SCHEME_ECDSA: Scheme.ECDSA}


def ack_signature(ack: Ack) -> pb.AckSignature:
    return pb.AckSignature(
        ack_sig=ack.signature_hex,
        ack_pubkey=ack.public_key_hex,
        ack_scheme=SCHEME,
        message=word_to_hex(ack.message),
    )


class AccountAuthServicer(pb_grpc.AccountAuthServicer):
    def __init__(
        self, authenticator: RequestAuthenticator, signer: AckSigner, pushes: PushAuthorizer
    ) -> None:
        self._authenticator = authenticator
        self._signer = signer
        self._pushes = pushes

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
        ack = self._signer.sign_json(
            request.account_id,
            request.nonce,
            request.prev_commitment,
            request.new_commitment,
            request.delta_payload_json,
        )
        return ack_signature(ack)

    @envelope_errors
    async def AckKey(self, request: pb.AckKeyRequest, context: Context) -> pb.AckKeyInfo:
        return pb.AckKeyInfo(
            scheme=SCHEME, public_key=self._signer.public_key_hex, commitment=self._signer.commitment
        )


def register_account_auth(
    server: grpc.aio.Server, authenticator: RequestAuthenticator, signer: AckSigner, pushes: PushAuthorizer
) -> None:
    pb_grpc.add_AccountAuthServicer_to_server(AccountAuthServicer(authenticator, signer, pushes), server)
