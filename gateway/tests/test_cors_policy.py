"""CORS configuration and headers (docs/contracts/auth.md §1.5)."""

from __future__ import annotations

import pytest

from guardian_common.errors import ConfigurationError
from guardian_gateway.domain.cors_policy import CorsPolicy


def test_unset_or_empty_allows_any_origin_without_credentials() -> None:
    for raw in (None, "", " , "):
        policy = CorsPolicy.parse(raw)
        assert policy.allowed_origins is None and not policy.credentials
        headers = dict(policy.response_headers("https://evil.example"))
        assert headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in headers
        assert headers["access-control-expose-headers"] == "retry-after"


def test_list_is_trimmed_and_enables_credentials() -> None:
    policy = CorsPolicy.parse(" https://app.example.com , http://localhost:5173,")
    assert policy.allowed_origins == frozenset({"https://app.example.com", "http://localhost:5173"})
    assert policy.credentials


@pytest.mark.parametrize("raw", ["*", "https://a.example, *"])
def test_wildcard_is_refused(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="explicit origins"):
        CorsPolicy.parse(raw)


@pytest.mark.parametrize("raw", ["https://app.example.com/", "app.example.com", "https://a.example/path"])
def test_something_that_is_not_an_origin_is_refused(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="not an origin"):
        CorsPolicy.parse(raw)
