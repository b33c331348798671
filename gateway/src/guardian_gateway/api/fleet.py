"""GET /dashboard/fleet: the fleet picture as JSON (docs/console.md, "Fleet"; docs/dashboard.md)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from guardian_gateway.api.operator_access import READ, require_operator
from guardian_gateway.api.responses import error_responses
from guardian_gateway.api.state import State
from guardian_gateway.usecases.fleet import fleet_view

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard/fleet", responses=error_responses(401, 403, 429, 500, 503))
async def dashboard_fleet(request: Request, state: State) -> JSONResponse:
    """Canonicalizer members, every lease with its holder and fence, the answering coordinator, this gateway."""
    await require_operator(request, state, READ)
    return JSONResponse(await fleet_view(state))
