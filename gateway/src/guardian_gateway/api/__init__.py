"""HTTP adapters: routes, request parsing, response shapes and error handlers."""
