"""The route template a request will reach, resolved before routing so the outer layers (rate limit, body
limit) key and size on a closed set of values instead of on the raw, attacker-sized path."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

UNMATCHED = "unmatched"
_CACHE_KEY = "guardian.route_template"


class RouteTemplates:
    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._routes = routes

    def of(self, scope: Scope) -> str:
        """The template (`/dashboard/accounts/{account_id}`) of the route the path matches, with any method
        (a wrong method still names its route); `unmatched` otherwise. Cached in the scope."""
        cached = scope.get(_CACHE_KEY)
        if isinstance(cached, str):
            return cached
        template = UNMATCHED
        for route in self._routes:
            match, _ = route.matches(scope)
            path = getattr(route, "path", None)
            if match is not Match.NONE and isinstance(path, str):
                template = path
                break
        scope[_CACHE_KEY] = template
        return template
