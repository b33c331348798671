"""Fleet.GetActivity on Postgres: two aggregate statements over index ranges (deltas_submitted for the
submissions, deltas_feed for the promotions), read in one REPEATABLE READ snapshot with the database clock
as the end of the window. At most bucket_count x 4 and bucket_count rows come back."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from guardian_coordinator.domain.activity import Activity, ActivityQuery, empty_buckets
from guardian_coordinator.domain.models import DeltaKind
from guardian_coordinator.store.postgres.engine import store_errors

NOW = text("SELECT clock_timestamp()")
# extract(epoch FROM interval) is numeric: the bucket index is exact to the microsecond.
BUCKET = "floor(extract(epoch FROM ({column} - :start)) * 1000000 / :width_us)::integer"
SUBMITTED = text(
    f"""
    SELECT {BUCKET.format(column="submitted_at")} AS bucket, status_kind, count(*)
      FROM deltas WHERE submitted_at >= :start AND submitted_at < :end
     GROUP BY 1, 2
    """
)
PROMOTED = text(
    f"""
    SELECT bucket, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY ms),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY ms), max(ms)
      FROM (SELECT {BUCKET.format(column="status_timestamp")} AS bucket,
                   CAST(extract(epoch FROM (status_timestamp - submitted_at)) * 1000 AS double precision) AS ms
              FROM deltas
             WHERE status_kind = 'canonical' AND status_timestamp >= :start AND status_timestamp < :end
               AND submitted_at IS NOT NULL) promoted
     GROUP BY bucket
    """
)


async def read_activity(engine: AsyncEngine, query: ActivityQuery) -> Activity:
    async with store_errors(), engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            now = (await conn.execute(NOW)).scalar_one()
            start = query.start(now)
            params = {"start": start, "end": now, "width_us": query.bucket_ms * 1000}
            submitted = (await conn.execute(SUBMITTED, params)).all()
            promoted = (await conn.execute(PROMOTED, params)).all()
    buckets = empty_buckets(query, start)
    for index, kind, count in submitted:
        if 0 <= index < len(buckets):
            buckets[index].submitted[DeltaKind(kind)] = int(count)
    for index, count, p50, p95, largest in promoted:
        if 0 <= index < len(buckets):
            bucket = buckets[index]
            bucket.promoted = int(count)
            bucket.latency_p50_ms, bucket.latency_p95_ms, bucket.latency_max_ms = p50, p95, largest
    return Activity(now, start, query.bucket_ms, buckets)
