"""CLI commands of the sources stage: `hindsight ingest PATH...`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from hindsight.errors import InputError

SOURCES = ("sentry", "logs", "incidents")
FORMATS = {"sentry": ("ndjson", "json_array", "json_event", "envelope"), "logs": ("jsonl", "json", "ndjson", "text"),
           "incidents": ("csv", "json", "json_array")}


def _check_options(source: str | None, fmt: str | None, line_format: str | None) -> None:
    """Mistakes on the command line are usage errors, found before any file is opened."""
    if source is not None and source not in SOURCES:
        raise typer.BadParameter(f"must be one of {', '.join(SOURCES)}", param_hint="--source")
    if fmt is not None:
        allowed = FORMATS[source] if source else sorted({f for fs in FORMATS.values() for f in fs})
        if fmt not in allowed:
            where = f" for --source {source}" if source else ""
            raise typer.BadParameter(f"{fmt!r} is not a format{where}; one of {', '.join(allowed)}", param_hint="--format")
    if line_format is not None:
        from models.sources.logformat import LogFormatError, compile_line_format

        try:
            compile_line_format(line_format)
        except LogFormatError as exc:
            raise typer.BadParameter(str(exc), param_hint="--line-format") from None


def ingest(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Files or folders (recursive) to ingest."),
    source: str | None = typer.Option(
        None, "--source", "-s", help="sentry | logs | incidents [default: from the landing folder name, else sniffed]"
    ),
    fmt: str | None = typer.Option(
        None, "--format", "-f",
        help="sentry: ndjson|json_array|json_event|envelope; logs: jsonl|text; incidents: csv|json [default: sniffed]",
    ),
    line_format: str | None = typer.Option(
        None, "--line-format", help="plain-text log line format, e.g. '<Date> <Time> <Level> <Component>: <Content>'"
    ),
    service: str | None = typer.Option(None, "--service", help="service name for log records without one"),
    as_json: bool = typer.Option(False, "--json", help="print the per-file reports as JSON"),
) -> None:
    """Load files into the warehouse, exactly once; bad records go to the quarantine table.

    Prints per file: read = loaded + duplicate + ignored + quarantined.
    """
    from models.sources.ingest import IngestError, ingest_path, totals
    from models.sources.scrub import scrub_text
    from models.warehouse import connect

    _check_options(source, fmt, line_format)
    app = ctx.obj
    console = Console(stderr=True, soft_wrap=True)  # messages stay whole lines (grep-able), never hard-wrapped
    reports, failed = [], []
    con = connect(app.warehouse)
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=console, transient=True, disable=as_json or not console.is_terminal,
        ) as progress:
            state: dict = {}

            def on_file(path: Path):
                if "task" in state:
                    progress.remove_task(state["task"])
                total = path.stat().st_size
                state["task"] = progress.add_task(path.name[-40:], total=total)
                return lambda done: progress.update(state["task"], completed=min(done, total))

            for path in paths:
                reports += ingest_path(
                    con, path, source=source, fmt=fmt, config=app.config, line_format=line_format,
                    service=service, on_file=on_file, on_error=lambda file, exc: failed.append((file, exc)),
                )
    except IngestError as exc:  # not a file's failure: the path itself (missing, ...)
        raise InputError(str(exc), "give existing files or folders (Sentry events, logs, incident exports)") from None
    finally:
        con.close()

    if as_json:
        typer.echo(json.dumps({"files": [r.__dict__ for r in reports], "totals": totals(reports),
                               "failed": [{"path": str(f), "error": str(e)} for f, e in failed]}, indent=2))
    elif reports or not failed:
        _print_reports(app.warehouse, reports)
    for _, exc in failed:  # file names and messages may carry brackets: printed as text, never as markup
        console.print(f"[red]not ingested:[/red] {escape(scrub_text(str(exc)))}")
    if failed:
        raise InputError(f"{len(failed)} file(s) not ingested (nothing of them stored; the others loaded)",
                         "fix the cause named above and run the same command again: files already loaded are skipped")


def _print_reports(warehouse: Path, reports: list) -> None:
    from models.sources.ingest import totals
    from models.sources.scrub import scrub_text

    table = Table(title=escape(f"ingest into {warehouse}"))
    for col in ("file", "source", "format", "read", "loaded", "duplicate", "ignored", "quarantined", "note"):
        table.add_column(col, justify="right" if col in ("read", "loaded", "duplicate", "ignored", "quarantined") else "left")
    for r in reports:
        note = "already ingested" if r.already_ingested else ", ".join(f"{k}: {v}" for k, v in r.ignored_detail.items())
        table.add_row(
            Text(scrub_text(r.path)), r.source, r.format, str(r.read), str(r.loaded), str(r.duplicate), str(r.ignored),
            str(r.quarantined), Text(note),  # the path and ignored item kinds come from outside: plain text
        )
    t = totals(reports)
    table.add_section()
    table.add_row(
        f"total ({t['files']} files)", "", "", str(t["read"]), str(t["loaded"]), str(t["duplicate"]),
        str(t["ignored"]), str(t["quarantined"]), f"{t['already_ingested']} already ingested",
    )
    Console(width=200).print(table)
    if t["quarantined"]:
        typer.echo("quarantined records: hindsight sql \"SELECT path, line_no, reason, detail FROM quarantine\"")


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `hindsight` app."""
    app.command("ingest")(ingest)
