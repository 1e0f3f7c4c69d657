"""Readers never wait for the writer: the pipeline publishes a read-only snapshot after each run.

DuckDB allows one writer process and, while it writes, no reader in another process. The dashboard and
`hindsight sql` therefore read `<warehouse>.snapshot.duckdb`, which the pipeline's last step writes to a
temporary file (`COPY FROM DATABASE`) and moves into place with an atomic rename: a reader holds either
the old file or the new one, never a half-written one, and never the writer's lock.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb


def snapshot_path(warehouse: str | Path) -> Path:
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.stem + ".snapshot.duckdb")


# Heavy views the dashboard reads, stored in the snapshot as TABLES with the view's name and rows (name -> the
# column the rows are stored in order of, for zone-map pruning of time filters). Every view and macro over them
# (sql/views/70_dashboard.sql) then reads precomputed rows, and a reader never pays the window functions over
# every frame that frame_attribution runs.
MATERIALIZED = {"failure_events": "ts", "cluster_attribution": "cluster_id", "ai_failure_rates": "repo, tool"}
# Tables the snapshot stores sorted by event (zone maps then skip all but one row group when a page reads one
# event's frames: the Cluster detail's stack trace and blame, 40 ms instead of 350 ms at 1M events / 8.7M frames).
SORTED = {"core.frames": "event_id", "core.frame_resolutions": "event_id", "core.exceptions": "event_id"}


def publish_snapshot(con: duckdb.DuckDBPyConnection, warehouse: str | Path) -> Path:
    """Copy the open warehouse `con` into the snapshot file atomically; returns the snapshot path."""
    target = snapshot_path(warehouse)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{time.time_ns()}.tmp")
    db_name = con.execute("SELECT current_database()").fetchone()[0]
    views = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main'").fetchall()}
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
                         "AND NOT temporary ORDER BY ALL").fetchall()
    wal = tmp.with_name(tmp.name + ".wal")
    try:
        con.execute("ATTACH ? AS hindsight_snapshot", [str(tmp)])
        try:
            con.execute(f'COPY FROM DATABASE "{db_name}" TO hindsight_snapshot (SCHEMA)')
            for schema, table in tables:
                order = SORTED.get(f"{schema}.{table}")
                con.execute(f'INSERT INTO hindsight_snapshot."{schema}"."{table}" SELECT * FROM "{db_name}"."{schema}"."{table}"'
                            + (f" ORDER BY {order}" if order else ""))
            for name, order in MATERIALIZED.items():
                if name in views:
                    con.execute(f"DROP VIEW hindsight_snapshot.main.{name}")
                    con.execute(f'CREATE TABLE hindsight_snapshot.main.{name} AS '
                                f'SELECT * FROM "{db_name}".main.{name} ORDER BY {order}')
        finally:
            con.execute("DETACH hindsight_snapshot")
        os.replace(tmp, target)
    except BaseException:  # the old snapshot stays; the half-written file does not
        tmp.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
        raise
    if wal.exists():
        wal.unlink()
    return target


def readable_database(warehouse: str | Path) -> Path:
    """The file a reader should open: the snapshot when it exists, else the warehouse itself."""
    snap = snapshot_path(warehouse)
    return snap if snap.exists() else Path(warehouse)
