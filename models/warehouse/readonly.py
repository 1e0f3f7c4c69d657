"""Read-only queries for analysts and the dashboard: writing statements are refused before they run.

Two independent guards: the statement types are checked with DuckDB's own parser (only queries pass), and
the connection is opened read-only with external access disabled, so even a statement that slipped past
the first guard could not change the warehouse or touch the file system.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from models.errors import InputError
from models.warehouse.connection import connect

ALLOWED_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


class WriteRefused(InputError, ValueError):
    """The SQL contains a statement that is not a read-only query."""


class UnparsableQuery(InputError, ValueError):
    """The SQL is empty or cannot be parsed at all."""


def check_read_only(sql: str) -> None:
    """Raise WriteRefused unless every statement in `sql` is a query (SELECT/WITH/FROM/SHOW/DESCRIBE/EXPLAIN)."""
    try:
        statements = duckdb.connect().extract_statements(sql)
    except duckdb.Error as exc:
        raise UnparsableQuery(f"could not parse SQL: {exc}") from exc
    if not statements:
        raise UnparsableQuery("no SQL statement given")
    refused = [s.type.name for s in statements if s.type not in ALLOWED_STATEMENTS]
    if refused:
        raise WriteRefused(
            f"refused: only read-only queries are allowed here, got {', '.join(refused)}. "
            "Hindsight's warehouse is written by the pipeline only (hindsight ingest / hindsight run)."
        )


def open_read_only(path: str | Path, lock_timeout_s: float = 10.0) -> duckdb.DuckDBPyConnection:
    con = connect(path, read_only=True, lock_timeout_s=lock_timeout_s)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def query_read_only(path: str | Path, sql: str, params=None, limit: int | None = None):
    """Run a checked read-only query; returns a pyarrow Table (at most `limit` rows when given)."""
    check_read_only(sql)
    con = open_read_only(path)
    try:
        rel = con.sql(sql, params=params) if params is not None else con.sql(sql)
        if rel is None:
            raise ValueError("the statement returned no result set")
        if limit is not None:
            rel = rel.limit(limit)
        return rel.to_arrow_table()
    finally:
        con.close()
