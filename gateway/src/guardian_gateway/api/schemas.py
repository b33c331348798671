"""JSON shapes of requests and responses (docs/contracts/auth.md §2–3 and docs/contracts/ops.md §4.4), as published in the OpenAPI
document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorMeta(BaseModel):
    model_config = ConfigDict(extra="allow")

    retryable: bool
    retry_after_secs: int | None = Field(default=None, description="present on 429; also sent as Retry-After")


class ErrorBody(BaseModel):
    """The error envelope every error response carries."""

    code: str = Field(description="stable machine code, e.g. authentication_failed")
    message: str = Field(description="user-safe sentence; never internal detail")
    meta: ErrorMeta


class OperatorChallenge(BaseModel):
    domain: str
    commitment: str
    nonce: str
    expires_at: str = Field(description="RFC 3339")
    signing_digest: str = Field(description="Word hex the operator's Falcon key signs")


class OperatorChallengeResponse(BaseModel):
    success: Literal[True] = True
    challenge: OperatorChallenge


class OperatorVerifyBody(BaseModel):
    commitment: str
    signature: str = Field(description="hex (optional 0x) of the 1524-byte Falcon signature")


class OperatorVerifyResponse(BaseModel):
    success: Literal[True] = True
    operator_id: str
    expires_at: str = Field(description="RFC 3339")


class LogoutResponse(BaseModel):
    success: Literal[True] = True


class OperatorSessionInfo(BaseModel):
    operator_id: str
    permissions: list[str] = Field(description="sorted, resolved from the live allowlist")


class EvmChallengeResponse(BaseModel):
    address: str
    nonce: str
    issued_at: int = Field(description="unix seconds")
    expires_at: int = Field(description="unix seconds")
    typed_data: dict[str, Any] = Field(description="the EIP-712 GuardianEvmSession typed data to sign")


class EvmVerifyBody(BaseModel):
    address: str
    nonce: str
    signature: str = Field(description="0x + 65 bytes hex (r || s || v)")


class EvmVerifyResponse(BaseModel):
    address: str
    expires_at: int = Field(description="unix milliseconds")


class EvmSessionInfo(BaseModel):
    address: str


class StatusInfo(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
    git_commit: str
    environment: str = Field(description="local, testnet or devnet")
    started_at: str = Field(description="RFC 3339")
    uptime_seconds: int


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    checks: dict[str, str] = Field(description="gRPC health of each dependency: serving")
