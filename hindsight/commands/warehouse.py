"""`hindsight sql`: read-only ad hoc SQL over the documented views (see sql/README.md)."""

from __future__ import annotations

import sys

import duckdb
import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from hindsight.errors import InputError
from models.warehouse import SQL_DIR
from models.warehouse.readonly import UnparsableQuery, WriteRefused, query_read_only

FORMATS = ("table", "csv", "json")


def register(app: typer.Typer) -> None:
    @app.command("sql")
    def sql_command(
        ctx: typer.Context,
        query: str | None = typer.Argument(None, help="A read-only query (SELECT/WITH/FROM/SHOW/DESCRIBE)."),
        output: str = typer.Option("table", "--format", "-f", help="table | csv | json"),
        saved: str | None = typer.Option(None, "--saved", help="Run a saved analysis from sql/analyses/ by name."),
        limit: int = typer.Option(1000, help="At most this many rows (table format)."),
    ) -> None:
        """Run a read-only query against the warehouse; writing statements are refused."""
        if output not in FORMATS:
            raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
        if saved:
            path = SQL_DIR / "analyses" / f"{saved.removesuffix('.sql')}.sql"
            if not path.is_file():
                names = sorted(p.stem for p in (SQL_DIR / "analyses").glob("*.sql"))
                raise typer.BadParameter(f"no saved analysis {saved!r}; available: {', '.join(names) or 'none'}")
            query = path.read_text(encoding="utf-8")
        if not query:
            query = ("SELECT table_name AS view, string_agg(column_name, ', ' ORDER BY ordinal_position) AS columns "
                     "FROM information_schema.columns WHERE table_schema = 'main' GROUP BY ALL ORDER BY 1")
        warehouse = ctx.obj.warehouse
        if not warehouse.exists():
            raise InputError(f"no warehouse at {warehouse}",
                             "run `hindsight ingest` or `make demo` first, or name one with --warehouse")
        try:
            table = _query(warehouse, query, limit=limit if output == "table" else None)
        except WriteRefused as exc:
            raise InputError(str(exc), "`hindsight sql` only reads (SELECT, WITH, FROM, SHOW, DESCRIBE)") from None
        except UnparsableQuery as exc:
            raise InputError(f"query failed: {exc}", "check the SQL; `hindsight sql` with no query lists the views") from None
        except duckdb.Error as exc:  # the query itself: DuckDB's message, not a traceback
            if isinstance(exc, duckdb.IOException):  # the warehouse file, not the query: a lock, not DuckDB
                raise
            raise InputError(f"query failed: {str(exc).strip()}",
                             "`hindsight sql` with no query lists the views and their columns (sql/README.md)") from None
        frame = pl.from_arrow(table)
        if output == "csv":
            sys.stdout.write(frame.write_csv())
        elif output == "json":
            sys.stdout.write(frame.write_json() + "\n")
        else:
            _print_table(frame)


def _query(warehouse, query: str, limit: int | None):
    """Query the warehouse; while a pipeline holds its write lock, read the last published snapshot."""
    import duckdb

    from models.warehouse.snapshot import snapshot_path

    try:
        return query_read_only(warehouse, query, limit=limit)
    except duckdb.IOException as exc:
        snapshot = snapshot_path(warehouse)
        if "lock" not in str(exc).lower() or not snapshot.exists():
            raise
        typer.echo(f"warehouse busy (a pipeline is writing): reading the last published snapshot {snapshot}", err=True)
        return query_read_only(snapshot, query, limit=limit)


def _print_table(frame: pl.DataFrame) -> None:
    table = Table(show_lines=False)
    for name in frame.columns:
        table.add_column(name, overflow="fold")
    for row in frame.iter_rows():
        # markup=False semantics: production text must never be interpreted as rich markup
        table.add_row(*[_cell(v) for v in row])
    Console().print(table)
    Console(stderr=True).print(f"{frame.height} row(s)", markup=False)


def _cell(value):
    from rich.text import Text

    return Text("NULL" if value is None else str(value))
