"""Ingest entry points: a file or folder (`ingest_path`), or the landing folders (`ingest_landing`).

Each file goes through `ledger.file_load` (one transaction, exactly once) and the reader of its
source: Sentry events here (`sentry.load_sentry_file`), logs (`logs.load_log_file`) and incidents
(`incidents.load_incident_file`). The source comes from the argument, else from the landing layout
(`<landing>/<source>/...`), else it is sniffed from the file's first bytes.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from pathlib import Path

import duckdb

from models.config import Config
from models.errors import InputError
from models.sources.ledger import FileLoad, FileReport, file_load
from models.sources.reader import iter_blocks
from models.sources.spool import SPOOL_DIR, seal_orphans

SOURCES = ("sentry", "logs", "incidents")
INGEST_MEMORY_LIMIT = "1GB"


class IngestError(InputError, RuntimeError):
    """A file could not be ingested at all (unreadable, unknown source, ...); nothing of it was stored."""


def list_files(path: str | Path) -> list[Path]:
    """The file itself, or every regular file under the folder (recursive, sorted). In a folder, hidden
    files and Markdown notes (`*.md`, e.g. a README describing the exports) are skipped: no exporter
    writes production data as Markdown. A file named explicitly is always taken."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise IngestError(f"no such file or folder: {path}")
    return sorted(
        p for p in path.rglob("*")
        if p.is_file() and p.suffix.lower() != ".md"
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def _head(path: Path, n: int = 65536) -> bytes:
    out = b""
    try:
        for block in iter_blocks(path, n):
            out += block
            if len(out) >= n:
                break
    except EOFError:
        pass
    return out[:n]


def sniff_source(path: Path) -> str:
    """Guess the source of a file outside the landing layout from its name and first bytes."""
    for part in reversed(path.parent.parts):
        if part in SOURCES:
            return part
    name = path.name.lower()
    if ".envelope" in name or name.startswith("sentry"):
        return "sentry"
    if ".csv" in name or "incident" in name:
        return "incidents"
    head = _head(path).lstrip()
    if head[:1] in (b"{", b"["):
        first = head.split(b"\n", 1)[0] if head[:1] == b"{" else head[:4096]
        text = first.decode("utf-8", "replace")
        if any(k in text for k in ('"exception"', '"event_id"', '"sdk"', '"sent_at"', '"platform"')):
            return "sentry"
        if any(k in text for k in ('"incident', '"severity"', '"postmortem"', '"resolved_at"')):
            return "incidents"
    return "logs"


@contextmanager
def bounded_memory(con: duckdb.DuckDBPyConnection, limit: str | None = None):
    """Cap DuckDB's memory while ingesting, restoring the previous limit afterwards.

    A whole file is one transaction; without a cap DuckDB keeps the uncommitted rows and its caches in
    memory up to 80% of RAM. Under the cap it spills them (uncommitted appends go to the database file
    optimistically, temp tables to the temp directory), so peak memory does not grow with file size.
    `$HINDSIGHT_INGEST_MEMORY` overrides the default of 1GB. A file that does not fit
    (DuckDB OutOfMemory: the primary-key indexes of the open transaction stay in memory) is rolled back
    and loaded again without the cap, see `ingest_file`."""
    limit = limit or os.environ.get("HINDSIGHT_INGEST_MEMORY", INGEST_MEMORY_LIMIT)
    (previous,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    con.execute(f"SET memory_limit = '{_memory_setting(limit)}'")
    try:
        yield
    finally:
        if previous == _default_memory_limit():
            con.execute("RESET memory_limit")  # exact; SET of the rounded text would drift
        else:
            con.execute(f"SET memory_limit = '{_memory_setting(previous)}'")


@functools.cache
def _default_memory_limit() -> str:
    with duckdb.connect() as fresh:
        return fresh.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def _memory_setting(value: str) -> str:
    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*[KMGT]i?B\s*", str(value), re.IGNORECASE):
        raise IngestError(f"not a memory size: {value!r} (e.g. 1GB, 512MB)")
    return str(value).strip()


def log_settings(config: Config | None, path: Path) -> tuple[str | None, str | None]:
    """(line_format, service) of the first `[logs.formats]` entry whose glob matches the file name."""
    for src in (config.log_sources if config else ()):
        if fnmatch.fnmatch(path.name, src.glob) or fnmatch.fnmatch(str(path), src.glob):
            return src.line_format, src.service
    return None, None


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source: str,
    *,
    fmt: str | None = None,
    config: Config | None = None,
    line_format: str | None = None,
    service: str | None = None,
    on_progress: Callable[[int], None] | None = None,
    loader: Callable[[duckdb.DuckDBPyConnection, FileLoad], None] | None = None,
) -> FileReport:
    """Ingest one file of a known source in one transaction and return its counts.

    `loader(con, load)` replaces the source's reader inside the same ledger transaction: the compute
    layer's committer stores rows a worker already transformed (models/compute/sentry.py)."""
    if source not in SOURCES:
        raise IngestError(f"unknown source {source!r} (expected one of {', '.join(SOURCES)})")
    args = (con, path, source, fmt, config, line_format, service, on_progress, loader)
    try:
        return _ingest_file_once(*args)
    except duckdb.OutOfMemoryException:
        (capped,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
        if capped == _default_memory_limit():
            raise
        con.execute("RESET memory_limit")  # the file was rolled back: load it again without the cap
        try:
            return _ingest_file_once(*args)
        finally:
            con.execute(f"SET memory_limit = '{_memory_setting(capped)}'")


@contextmanager
def single_threaded(con: duckdb.DuckDBPyConnection):
    """One DuckDB thread for the warehouse connection, restored afterwards (the setting is per database
    instance). Set and restored outside the file's transaction: SET fails in an aborted transaction.

    Why for Sentry files: there the warehouse only anti-joins and appends Arrow rows built in the scratch
    DB, and one thread does that faster than two (frames appends 0.96 s instead of 1.46 s per 200k
    events, measured), leaving the cores to the scratch DB's transform."""
    (previous,) = con.execute("SELECT current_setting('threads')").fetchone()
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(previous)}")


def _ingest_file_once(con, path, source, fmt, config, line_format, service, on_progress, loader) -> FileReport:
    try:
        with (
            single_threaded(con) if source == "sentry" else nullcontext(),
            file_load(con, path, source, fmt, on_progress=on_progress) as load,
        ):
            if not load.already_ingested:
                if loader is not None:
                    loader(con, load)
                elif source == "sentry":
                    from models.sources.sentry import load_sentry_file

                    load_sentry_file(con, load, path, fmt)
                elif source == "logs":
                    from models.sources.logs import load_log_file

                    cfg_format, cfg_service = log_settings(config, path)
                    load_log_file(con, load, path, fmt, line_format or cfg_format, service or cfg_service)
                else:
                    from models.sources.incidents import load_incident_file

                    load_incident_file(con, load, path, fmt)
    except (OSError, ValueError) as exc:
        message = str(exc)
        raise IngestError(message if message.startswith(str(path)) else f"{path}: {message}") from exc
    return load.report


def ingest_path(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    source: str | None = None,
    fmt: str | None = None,
    config: Config | None = None,
    line_format: str | None = None,
    service: str | None = None,
    on_file: Callable[[Path], Callable[[int], None] | None] | None = None,
    on_report: Callable[[FileReport], None] | None = None,
    on_error: Callable[[Path, IngestError], None] | None = None,
) -> list[FileReport]:
    """Ingest a file, or every file under a folder. `on_file(path)` may return a progress callback.

    A file that cannot be ingested at all (IngestError: unreadable, no line format for a text log, ...)
    raises, unless `on_error` is given: then it is reported there and the other files still load. Such a
    file is not entered in the ledger, so it is tried again on the next run (e.g. once its format is set)."""
    reports = []
    con.execute("SET enable_progress_bar = false")  # DuckDB's own bar would interleave with ours
    with bounded_memory(con):
        for file in list_files(path):
            src = source or sniff_source(file)
            progress = on_file(file) if on_file else None
            try:
                report = ingest_file(
                    con, file, src, fmt=fmt, config=config, line_format=line_format, service=service,
                    on_progress=progress,
                )
            except IngestError as exc:
                if on_error is None:
                    raise
                on_error(file, exc)
                continue
            reports.append(report)
            _drop_spool_segment(file, src, config)
            if on_report:
                on_report(report)
    return reports


SPOOL_SUFFIX = {"sentry": ".envelope", "logs": ".jsonl"}  # segments of `hindsight serve` (spool.py)
SPOOL_PREFIX = "live-"


def ingest_source(con: duckdb.DuckDBPyConnection, config: Config, source: str, **kwargs) -> list[FileReport]:
    """Every file of `config.landing_dir/<source>/` (already ingested files are skipped by the ledger).
    Spool segments a killed `hindsight serve` left open are sealed first, so they are ingested too."""
    folder = Path(config.landing_dir) / source
    if not folder.is_dir():
        return []
    if source in SPOOL_SUFFIX:
        seal_orphans(folder, SPOOL_SUFFIX[source])
    return ingest_path(con, folder, source=source, config=config, **kwargs)


def is_spool_segment(path: Path, source: str) -> bool:
    """A sealed segment of `hindsight serve`: `live-*` with the source's suffix, beside a `.spool/` folder."""
    return (source in SPOOL_SUFFIX and path.name.startswith(SPOOL_PREFIX) and path.name.endswith(SPOOL_SUFFIX[source])
            and (path.parent / SPOOL_DIR).is_dir())


def _drop_spool_segment(path: Path, source: str, config: Config | None) -> None:
    """Delete a spool segment once it is in the ledger: it holds the raw, unscrubbed payloads, which must
    not outlive their ingest (the warehouse has the scrubbed rows; the ledger keeps the file's sha256, so
    a copy put back is recognised). `[serve] keep_spool_files = true` keeps them. Other files stay."""
    keep = bool(config and config.serve.keep_spool_files)
    if not keep and is_spool_segment(path, source):
        path.unlink(missing_ok=True)


def ingest_landing(con: duckdb.DuckDBPyConnection, config: Config, **kwargs) -> list[FileReport]:
    """Every source folder under the landing directory, in flow order."""
    return [r for source in SOURCES for r in ingest_source(con, config, source, **kwargs)]


def totals(reports: list[FileReport]) -> dict:
    keys = ("read", "loaded", "duplicate", "ignored", "quarantined")
    out = {k: sum(getattr(r, k) for r in reports) for k in keys}
    out["files"] = len(reports)
    out["already_ingested"] = sum(r.already_ingested for r in reports)
    return out


def reports_json(reports: list[FileReport]) -> str:
    return json.dumps([r.__dict__ for r in reports], indent=2)
