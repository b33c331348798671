"""GET /dashboard/fleet and GET /dashboard/activity: the fleet picture and the charts' data as JSON
(docs/console.md, "Fleet" and "Charts"; docs/dashboard.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import JSONResponse

from guardian_gateway.api.custody_checks import query_value
from guardian_gateway.api.operator_access import READ, require_operator
from guardian_gateway.api.responses import error_responses
from guardian_gateway.api.state import State
from guardian_gateway.usecases.fleet import activity_view, activity_window, fleet_view

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard/fleet", responses=error_responses(401, 403, 429, 500, 503))
async def dashboard_fleet(request: Request, state: State) -> JSONResponse:
    """Canonicalizer members, every lease with its holder and fence, the answering coordinator, this gateway."""
    await require_operator(request, state, READ)
    return JSONResponse(await fleet_view(state))


@router.get("/dashboard/activity", responses=error_responses(400, 401, 403, 429, 500, 503))
async def dashboard_activity(
    request: Request,
    state: State,
    window_seconds: Annotated[str | None, Query(description="60..86400, default 3600")] = None,
    buckets: Annotated[str | None, Query(description="1..120, default 60")] = None,
) -> JSONResponse:
    """Candidates submitted per bucket by their status now, and promotions with their latency, over a window
    ending now (`window_seconds` 60..86400, default 3600; `buckets` 1..120, default 60)."""
    await require_operator(request, state, READ)
    window, count = activity_window(query_value(request, "window_seconds"), query_value(request, "buckets"))
    return JSONResponse(await activity_view(state, window, count))
