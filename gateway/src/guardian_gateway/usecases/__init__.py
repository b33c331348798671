"""Use cases of the public API: each is the sequence of internal calls one request needs (routes parse and
render; docs/gateway.md "Use cases")."""
