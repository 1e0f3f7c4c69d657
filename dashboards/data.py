"""Data access for the dashboard: short read-only connections to the published snapshot, cached.

The dashboard never opens the warehouse the pipeline writes (see models/warehouse/snapshot.py); it opens
the snapshot read-only for the duration of one query, retrying briefly if the file is being swapped, and
caches results keyed by the snapshot's modification time so a new snapshot invalidates the cache.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from dashboards.settings import settings
from models.warehouse.readonly import check_read_only
from models.warehouse.snapshot import snapshot_path

MEMORY_LIMIT = "1GB"  # per open snapshot: the dashboard shares the machine with the pipeline


def warehouse_path() -> Path:
    return settings().warehouse


def database_file() -> Path | None:
    """The snapshot to read, or None when the pipeline has not published one yet."""
    snap = snapshot_path(warehouse_path())
    return snap if snap.exists() else None


def data_version() -> tuple[str, int]:
    """Cache key of the current data: the snapshot's path and modification time (a new snapshot misses the cache)."""
    db = database_file()
    return (str(db), db.stat().st_mtime_ns) if db else ("", 0)


def snapshot_age() -> str:
    """How long ago the snapshot was published, for the freshness line."""
    db = database_file()
    if db is None:
        return "never"
    minutes = max(0, int((time.time() - db.stat().st_mtime) // 60))
    return f"{minutes} min ago" if minutes < 120 else f"{minutes // 60} h ago"


def _attach(path: Path, attempts: int = 20) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the snapshot attached read-only as `snapshot` (the default catalog).

    Attached, not `duckdb.connect(path)`: DuckDB shares one database instance per path within a process, so a
    connection opened while another one still held the replaced snapshot would read the old file."""
    delay = 0.05
    for attempt in range(attempts):
        con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
        try:
            con.execute("ATTACH ? AS snapshot (READ_ONLY)", [str(path)])
            con.execute("USE snapshot")
            con.execute("SET enable_external_access = false")
            return con
        except duckdb.IOException:
            con.close()
            if attempt == attempts - 1:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    raise AssertionError("unreachable")


@st.cache_resource(show_spinner=False, max_entries=2)
def _database(version: tuple[str, int]) -> duckdb.DuckDBPyConnection:
    """One open snapshot per version, shared by every session: its catalog and cached pages are reused across
    queries (a cursor per query). A new snapshot is a new version; a dropped one closes when its last query ends."""
    return _attach(Path(version[0]))


def _cursor(version: tuple[str, int]) -> duckdb.DuckDBPyConnection:
    cursor = _database(version).cursor()
    cursor.execute("USE snapshot")
    return cursor


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(sql: str, params: tuple, version: tuple[str, int]) -> pl.DataFrame:
    if not version[0]:
        return pl.DataFrame()
    con = _cursor(version)
    try:
        return con.sql(sql, params=list(params) if params else None).pl()
    finally:
        con.close()


def query(sql: str, params: list | tuple = ()) -> pl.DataFrame:
    """Run a parameterised read-only query on the current snapshot (cached per snapshot version)."""
    return _cached_query(sql, tuple(params), data_version())


def run_user_sql(sql: str, limit: int = 5000) -> pl.DataFrame:
    """Analyst SQL from the SQL page: checked for writes, run read-only, never cached."""
    check_read_only(sql)
    db = database_file()
    if db is None:
        return pl.DataFrame()
    con = _attach(db)
    try:
        con.execute("SET lock_configuration = true")
        return con.sql(sql).limit(limit).pl()
    finally:
        con.close()


def to_csv(frame: pl.DataFrame) -> str:
    """CSV of a result; nested columns (lists, structs) become their JSON-ish text, which CSV can hold."""
    nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
    if nested:
        frame = frame.with_columns(pl.col(nested).map_elements(str, return_dtype=pl.String))
    return frame.write_csv()


@st.cache_data(show_spinner=False)
def _existing_views(version: tuple[str, int]) -> frozenset[str]:
    """Views, tables and table macros of schema main in the snapshot (a snapshot published by an older version
    lacks the newer ones: pages then say what to run instead of failing)."""
    if not version[0]:
        return frozenset()
    con = _cursor(version)
    try:
        rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                           "AND table_catalog = current_database() "
                           "UNION SELECT function_name FROM duckdb_functions() "
                           "WHERE schema_name = 'main' AND function_type = 'table_macro' "
                           "AND database_name = current_database()").fetchall()
        return frozenset(name for (name,) in rows)
    finally:
        con.close()


def has_views(*names: str) -> bool:
    views = _existing_views(data_version())
    return all(n in views for n in names)


def figure(macro: str, filters, tail: str = "", params: list | tuple = (), extra_args: str = "") -> pl.DataFrame:
    """Rows of a dashboard macro (sql/views/70_dashboard.sql) called with the page's filters:
    `SELECT * FROM <macro>(<filters><extra_args>) <tail>`; `params` fill the placeholders of extra_args and tail."""
    args, values = filters.macro_args()
    return query(f"SELECT * FROM {macro}({args}{extra_args}) {tail}", [*values, *params])


def has_rows(view: str) -> bool:
    if not has_views(view):
        return False
    return query(f'SELECT count(*) AS n FROM (SELECT 1 FROM "{view}" LIMIT 1)')["n"][0] > 0
