"""The gateway's metrics (docs/contracts/ops.md §5.2): HTTP requests by route template, rate-limit rejections, and
who answered wallet session checks."""

from __future__ import annotations

from prometheus_client import Counter

from guardian_common.telemetry.metrics import REGISTRY, request_metrics

HTTP = request_metrics("http", ["method", "route"], "status", "HTTP requests")
RATE_LIMIT_REJECTIONS = Counter(
    "guardian_rate_limit_rejections",
    "Requests refused by the rate limiter, by limit type and transport",
    ["limit_type", "transport"],
    registry=REGISTRY,
)
SESSION_CHECKS = Counter(
    "guardian_session_checks",
    "Wallet session checks by who answered: auth, or a positive answer of auth reused within its window",
    ["outcome"],
    registry=REGISTRY,
)
