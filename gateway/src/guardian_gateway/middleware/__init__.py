"""ASGI middleware, outermost first: CORS, rate limit, body limit, unexpected errors."""
