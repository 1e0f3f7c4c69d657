"""Opening the warehouse and applying the schema kept as .sql files under `sql/`.

Schema files (`sql/schema/*.sql`) and views (`sql/views/*.sql`) are applied in file-name order;
they are idempotent (`CREATE ... IF NOT EXISTS`, `CREATE OR REPLACE VIEW`), so every entry point
may call `ensure_schema` cheaply.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from models.package_data import package_path

SQL_DIR = package_path("models.sql")  # the repository's top-level sql/, installed as package data
ENV_WAREHOUSE = "HINDSIGHT_WAREHOUSE"


def default_warehouse_path() -> Path:
    """`$HINDSIGHT_WAREHOUSE`, else `data/warehouse.duckdb` under the current directory."""
    return Path(os.environ.get(ENV_WAREHOUSE) or Path("data") / "warehouse.duckdb")


def connect(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    schema: bool = True,
    lock_timeout_s: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, retrying while another process holds the write lock.

    DuckDB allows a single writer process per file; a second opener gets an IOException
    ("Could not set lock"). We retry for `lock_timeout_s` (default `$HINDSIGHT_LOCK_TIMEOUT`, else 30 s)
    instead of failing at once.
    """
    if lock_timeout_s is None:
        lock_timeout_s = float(os.environ.get("HINDSIGHT_LOCK_TIMEOUT") or 30.0)
    path = Path(path) if path else default_warehouse_path()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout_s
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    if schema and not read_only:
        ensure_schema(con)
    return con


def read_sql(name: str) -> str:
    """Text of `sql/<name>.sql`: statements are named without the suffix (`"queries/risk/insert_scores"`)."""
    if name.endswith(".sql"):
        raise ValueError(f"read_sql({name!r}): name the statement without the suffix: {name.removesuffix('.sql')!r}")
    rel = f"{name}.sql"
    return (SQL_DIR / rel).read_text(encoding="utf-8")


def run_sql_file(con: duckdb.DuckDBPyConnection, name: str, params=None):
    """Execute one statement file from `sql/` with optional parameters."""
    return con.execute(read_sql(name), params) if params is not None else con.execute(read_sql(name))


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table and (re)create every view; safe to call on every open."""
    for folder in ("schema", "views"):
        for file in sorted((SQL_DIR / folder).glob("*.sql")):
            con.execute(file.read_text(encoding="utf-8"))
