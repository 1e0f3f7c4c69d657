"""CLI commands of the signatures stage: `hindsight templates LOGFILE`, `hindsight fingerprint`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

FORMAT_HELP = "Loghub line format, e.g. '<Date> <Time> <Level> <Component>: <Content>' [default: the whole line is the content]"
OUT_HELP = "CSV to write: LineId,EventId,EventTemplate (one row per input line)."


def templates(
    logfile: Annotated[Path, typer.Argument(help="A plain-text log file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help=OUT_HELP)],
    line_format: Annotated[str | None, typer.Option("--format", "-f", help=FORMAT_HELP)] = None,
) -> None:
    """Mine log templates of one file (no warehouse): the Loghub evaluation shape, LineId 1-based."""
    from hindsight.errors import InputError
    from models.signatures.templates import mine_file
    from models.sources.logformat import LogFormatError

    if not logfile.is_file():
        raise InputError(f"no such file: {logfile}", "LOGFILE is a plain-text log file to mine")
    try:
        df = mine_file(logfile, line_format, scrub=True)
    except LogFormatError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format") from exc
    df = scrub_templates(df)
    out.parent.mkdir(parents=True, exist_ok=True)
    df.write_csv(out)
    typer.echo(f"{df.height} lines, {df['EventId'].n_unique()} templates -> {out}", err=True)


def scrub_templates(df):
    """Templates come from raw log text (no warehouse in between): scrubbed like anything else that
    leaves Hindsight, each distinct template once."""
    import polars as pl

    from models.sources.scrub import scrub_text

    changed = {t: s for t in df["EventTemplate"].unique().to_list() if t and (s := scrub_text(t)) != t}
    return df.with_columns(pl.col("EventTemplate").replace(changed)) if changed else df


def fingerprint(ctx: typer.Context) -> None:
    """Fingerprint new error events and template new log records in the warehouse."""
    from models.signatures import fingerprint_events, mine_templates
    from models.warehouse import connect

    app = ctx.obj
    con = connect(app.warehouse)
    try:
        events = fingerprint_events(con, app.config)
        records = mine_templates(con, app.config)
    finally:
        con.close()
    typer.echo(f"fingerprinted {events} events, templated {records} log records")


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `hindsight` app."""
    app.command("templates")(templates)
    app.command("fingerprint")(fingerprint)
