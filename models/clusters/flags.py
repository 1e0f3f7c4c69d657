"""`flag_clusters`: new clusters, regressions (quiet gap, changed crash-site code, after a fix) and spikes.

The flags are a pure function of the warehouse: each run recomputes them in SQL and reconciles
`core.cluster_flags` (stale rows dropped, new rows added with their first `flagged_at` kept).
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from models.config import Config
from models.warehouse import read_sql, run_sql_file, unit_of_work


def flag_clusters(con: duckdb.DuckDBPyConnection, config: Config | None = None) -> dict:
    s = (config or Config()).clusters
    now = datetime.now(UTC).replace(tzinfo=None)
    params = [s.quiet_days, s.spike_baseline_days, s.spike_factor, s.spike_sigmas, s.spike_min_events]
    with unit_of_work(con):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _flags AS {read_sql('queries/clusters/select_cluster_flags')}",
            params,
        )
        run_sql_file(con, "queries/clusters/delete_stale_flags")
        run_sql_file(con, "queries/clusters/upsert_flags", [now])
        counts = dict(con.execute("SELECT flag, count(*) FROM _flags GROUP BY flag").fetchall())
        con.execute("DROP TABLE _flags")
    return {flag: int(counts.get(flag, 0)) for flag in ("new", "regression", "spike")}
