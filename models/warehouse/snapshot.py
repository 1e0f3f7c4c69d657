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


# Heavy views the dashboard reads, computed once per publish into schema `dash` of the snapshot
# (view name -> sql/queries/dashboard/snapshot_<name>.sql); readers fall back to the view when absent.
MATERIALIZED = {"crash_sites": "frame_attribution", "cluster_attribution": "cluster_attribution",
                "ai_failure_rates": "ai_failure_rates"}


def publish_snapshot(con: duckdb.DuckDBPyConnection, warehouse: str | Path) -> Path:
    """Copy the open warehouse `con` into the snapshot file atomically; returns the snapshot path."""
    from models.warehouse.connection import read_sql

    target = snapshot_path(warehouse)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{time.time_ns()}.tmp")
    db_name = con.execute("SELECT current_database()").fetchone()[0]
    views = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main'").fetchall()}
    con.execute("ATTACH ? AS hindsight_snapshot", [str(tmp)])
    try:
        con.execute(f'COPY FROM DATABASE "{db_name}" TO hindsight_snapshot')
        con.execute("CREATE SCHEMA hindsight_snapshot.dash")
        for name, needs in MATERIALIZED.items():
            if needs in views:
                con.execute(f"CREATE TABLE hindsight_snapshot.dash.{name} AS "
                            + read_sql(f"queries/dashboard/snapshot_{name}"))
    finally:
        con.execute("DETACH hindsight_snapshot")
    os.replace(tmp, target)
    wal = tmp.with_name(tmp.name + ".wal")
    if wal.exists():
        wal.unlink()
    return target


def readable_database(warehouse: str | Path) -> Path:
    """The file a reader should open: the snapshot when it exists, else the warehouse itself."""
    snap = snapshot_path(warehouse)
    return snap if snap.exists() else Path(warehouse)
