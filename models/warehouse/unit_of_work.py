"""The one way a stage writes to the warehouse: a unit of work, with its Arrow inputs named explicitly.

    with unit_of_work(con, attr_suspects=frame):      # Polars or Arrow, registered under that name
        run_sql_file(con, "queries/attribution/delete_suspect_scores")
        run_sql_file(con, "queries/attribution/insert_suspect_scores")   # reads attr_suspects

BEGIN, then COMMIT when the block ends; ROLLBACK on any failure, a KeyboardInterrupt included (BaseException),
so a crash or a Ctrl-C leaves no partial rows; the inputs are unregistered in `finally`, so no view outlives the
unit. A unit inside another one on the same connection is refused (`NestedUnitOfWork`): DuckDB has no nested
transactions, and a silent join of the outer one would make the inner COMMIT a lie.

Inside a long unit (one per ingested file, or per grouping run), a statement that reads a per-batch Arrow table
uses `execute(con, sql, params, name=table)`: DuckDB finds the table by the explicit name through its
replacement scan, without a catalog entry. A view registered inside a transaction is a catalog change, and
DuckDB keeps it, and the Arrow table it points to, until COMMIT: memory would grow with every batch.
`registered(con, **inputs)` names inputs for several statements outside a transaction (a scratch connection,
a read).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import duckdb
import polars as pl

from models.errors import WarehouseError

__all__ = ["NestedUnitOfWork", "execute", "registered", "unit_of_work"]


class NestedUnitOfWork(WarehouseError, RuntimeError):
    """A unit of work was opened on a connection that is already inside a transaction."""


def _arrow(value: Any) -> Any:
    """Polars frames go in as Arrow (zero-copy); Arrow tables, batches and readers as they are."""
    if isinstance(value, pl.DataFrame):
        return value.to_arrow()
    if isinstance(value, pl.LazyFrame):
        return value.collect().to_arrow()
    return value


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **inputs: Any) -> Iterator[duckdb.DuckDBPyConnection]:
    """Register `inputs` under their names for the block; unregister them in `finally`."""
    names: list[str] = []
    try:
        for name, value in inputs.items():
            con.register(name, _arrow(value))
            names.append(name)
        yield con
    except BaseException:
        _abort(con)  # the block failed: the rest of a result it left unread is of no use, and would block unregister
        raise
    finally:
        for name in reversed(names):
            con.unregister(name)


@contextmanager
def unit_of_work(con: duckdb.DuckDBPyConnection, **inputs: Any) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction on `con` with `inputs` registered by name: COMMIT at the end, ROLLBACK on any failure."""
    try:
        con.execute("BEGIN TRANSACTION")
    except duckdb.TransactionException as exc:
        raise NestedUnitOfWork(
            "a warehouse unit of work is already open on this connection; write inside it instead of opening another"
        ) from exc
    try:
        with registered(con, **inputs):
            yield con
            con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK, unless the transaction already ended (a failed COMMIT ends it): the first error is the one raised."""
    _abort(con)
    with suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def _abort(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the unread rest of the last `con.execute` result; never hides the error being raised."""
    with suppress(duckdb.Error):
        con.abort()


_EXECUTE = compile("_hs_result = _hs_con.sql(_hs_sql, params=_hs_params)", "<warehouse.execute>", "exec")


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None, /, **inputs: Any) -> duckdb.DuckDBPyRelation:
    """Run one statement that reads Arrow/Polars `inputs` by their names, with no catalog change.

    Returns DuckDB's relation of the result (`.fetchall()`, `.to_arrow_table()`, `.pl()`): a query runs when
    it is read, a write has run already. DuckDB's replacement scan looks a table name up in the Python frame
    that runs the statement; here that frame's local variables are exactly `inputs`, so a stray local of the
    caller can never be read by mistake (and the relation keeps the inputs alive until it is read).
    """
    scope = {name: _arrow(value) for name, value in inputs.items()}
    con.complete()  # as `con.execute` does: a result the caller left unread (a `fetchone()`) is finished first
    env = {"_hs_con": con, "_hs_sql": sql, "_hs_params": params}
    exec(_EXECUTE, env, scope)  # noqa: S102 - constant code; its scope is what makes the input names explicit
    return scope["_hs_result"]
