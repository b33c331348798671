"""The devnet control API: land transactions, remove accounts, inject faults, read the call record."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel, Field

from guardian_devnet.ledger import ACCOUNT_ID, COMMITMENT, FaultMode, Ledger


class CommitmentBody(BaseModel):
    commitment: str


class FaultBody(BaseModel):
    mode: FaultMode
    count: int = Field(default=1, ge=0, le=1_000_000)
    seconds: float = Field(default=0.0, ge=0, le=3600)


def _account(account_id: str) -> str:
    if not ACCOUNT_ID.match(account_id):
        raise HTTPException(422, "account_id must be 0x + 30 lowercase hex digits")
    return account_id


def build_app(ledger: Ledger) -> FastAPI:
    app = FastAPI(title="guardian devnet control API")

    @app.put("/accounts/{account_id}/commitment")
    async def land(account_id: str, body: CommitmentBody) -> dict[str, str]:
        if not COMMITMENT.match(body.commitment):
            raise HTTPException(422, "commitment must be 0x + 64 lowercase hex digits")
        ledger.land(_account(account_id), body.commitment)
        return {"account_id": account_id, "commitment": body.commitment}

    @app.get("/accounts/{account_id}")
    async def show(account_id: str) -> dict[str, str]:
        return {"account_id": account_id, "commitment": ledger.commitment(_account(account_id))}

    @app.delete("/accounts/{account_id}", status_code=204)
    async def remove(account_id: str) -> Response:
        ledger.remove(_account(account_id))
        return Response(status_code=204)

    @app.post("/faults")
    async def faults(body: FaultBody) -> dict[str, Any]:
        ledger.inject(body.mode, body.count, body.seconds)
        return asdict(ledger.faults)

    @app.get("/calls")
    async def calls(account_id: str | None = None, since: int = 0) -> dict[str, Any]:
        return {"calls": ledger.recorded(account_id, since), "last_seq": ledger.next_seq - 1}

    return app
