"""The coordinator's telemetry hooks on its PostgreSQL engine: statement spans (tracing on) and pool gauges."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from guardian_common.telemetry.tracing import tracer_provider
from guardian_coordinator.metrics import watch_pool


def observe_engine(engine: AsyncEngine) -> None:
    watch_pool(engine)
    provider = tracer_provider()
    if provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # The instrumentation declares SQLAlchemy < 2.1; it only listens to the engine's cursor events, which
    # 2.1 keeps, and the telemetry end-to-end test checks the statement spans still arrive.
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine, tracer_provider=provider, skip_dep_check=True
    )
