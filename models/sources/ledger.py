"""The ingest ledger: every input file is loaded exactly once, in ONE transaction, with its counts.

    with file_load(con, path, "sentry", "ndjson") as load:
        if not load.already_ingested:
            ... load.add_loaded(new, dup); load.quarantine(rejects); load.add_ignored("session", 3)
    report = load.report

The file id is the sha256 of the file's bytes, so a renamed copy is recognised too. The transaction
spans the whole file and ends with the ledger row: a killed process leaves neither rows nor a ledger
entry, and the next run loads the file completely. Before COMMIT we check that
read == loaded + duplicate + ignored + quarantined, so no record can silently disappear.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from models.sources.scrub import apply_pairs_sql, install_scrub, scrub_sql, spanning_pairs_sql
from models.warehouse import execute, read_sql, unit_of_work

EXCERPT_CHARS = 200
SCRATCH_MEMORY_LIMIT = "512MB"  # the per-batch transform DB (`FileLoad.scratch`); $HINDSIGHT_SCRATCH_MEMORY overrides
_SCRUB_WINDOW = 2000  # scrub this much, then cut to EXCERPT_CHARS: a secret cut in half would escape the rules


@dataclass
class Reject:
    """One input record (or piece of a file) that could not be loaded."""

    line_no: int | None
    byte_offset: int | None
    reason: str
    detail: str
    raw: str | bytes | None = None


@dataclass
class FileReport:
    path: str
    file_id: str
    source: str
    format: str
    read: int = 0
    loaded: int = 0
    duplicate: int = 0
    ignored: int = 0
    quarantined: int = 0
    ignored_detail: dict[str, int] = field(default_factory=dict)
    already_ingested: bool = False
    seconds: float = 0.0


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(8 << 20):
            h.update(block)
    return h.hexdigest()


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _excerpt_text(raw: str | bytes | None) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        return raw[: _SCRUB_WINDOW * 2].decode("utf-8", "backslashreplace")[:_SCRUB_WINDOW]
    return raw[:_SCRUB_WINDOW]


class FileLoad:
    """Counts and quarantine of one file being loaded inside the open transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, source: str, fmt: str | None, file_id: str,
                 threads: int = 0):
        self.con = con
        self.threads = threads  # of the scratch DB; 0 = every core (a compute task passes its worker's budget)
        self.path = path
        self.source = source
        self.fmt = fmt or "unknown"
        self.file_id = file_id
        self.size_bytes = path.stat().st_size
        self.started_at = _utcnow()
        self.already_ingested = False
        self.loaded = self.duplicate = self.ignored = self.quarantined = 0
        self.ignored_detail: dict[str, int] = {}
        self._read: int | None = None
        self.seconds = 0.0
        self.on_progress = None  # Callable[[int], None] | None, set by callers that show progress
        self._scratch: duckdb.DuckDBPyConnection | None = None
        self._scratch_dir: str | None = None

    # -- the scratch database -----------------------------------------------------------------
    def scratch(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB for the per-batch transforms of this file, opened on first use.

        Why: the file's transaction on the warehouse spans every batch, and catalog changes are
        transactional, so temp tables created and dropped per batch there would stay alive until COMMIT
        (memory grew with the file). The scratch DB is autocommit: its temp tables are freed per batch;
        the warehouse only receives the finished Arrow rows. It holds scrubbed text only after the scrub
        step; its spill directory is a private temp dir, removed with the connection."""
        if self._scratch is None:
            self._scratch_dir = tempfile.mkdtemp(prefix="hs-scratch-")
            self._scratch = duckdb.connect(config={
                "memory_limit": os.environ.get("HINDSIGHT_SCRATCH_MEMORY", SCRATCH_MEMORY_LIMIT),
                "threads": self.threads or max(1, os.cpu_count() or 1),
                "temp_directory": self._scratch_dir,
            })
            self._scratch.execute("SET enable_progress_bar = false")
            install_scrub(self._scratch)
        return self._scratch

    def close_scratch(self) -> None:
        if self._scratch is not None:
            self._scratch.close()
            self._scratch = None
        if self._scratch_dir is not None:
            shutil.rmtree(self._scratch_dir, ignore_errors=True)
            self._scratch_dir = None

    # -- counting -----------------------------------------------------------------------------
    def add_loaded(self, new: int, duplicate: int = 0) -> None:
        self.loaded += int(new)
        self.duplicate += int(duplicate)

    def add_ignored(self, kind: str, n: int = 1) -> None:
        if n:
            self.ignored += int(n)
            self.ignored_detail[kind] = self.ignored_detail.get(kind, 0) + int(n)

    def add_quarantined(self, n: int) -> None:
        """Count records a reader quarantined itself in SQL (instead of through `quarantine`)."""
        self.quarantined += int(n)

    def add_read(self, n: int) -> None:
        """Optional: declare records read, checked against the other counts before COMMIT."""
        self._read = (self._read or 0) + int(n)

    @property
    def read(self) -> int:
        return self.loaded + self.duplicate + self.ignored + self.quarantined

    def quarantine(self, rejects: list[Reject]) -> None:
        """Bulk-insert rejects into core.quarantine; excerpts (and details) are scrubbed in SQL."""
        if not rejects:
            return
        table = pa.table(
            {
                "line_no": pa.array([r.line_no for r in rejects], pa.int64()),
                "byte_offset": pa.array([r.byte_offset for r in rejects], pa.int64()),
                "reason": pa.array([r.reason for r in rejects], pa.string()),
                "detail": pa.array([(r.detail or "")[:_SCRUB_WINDOW] for r in rejects], pa.string()),
                "raw": pa.array([_excerpt_text(r.raw) for r in rejects], pa.string()),
            }
        )
        sql = read_sql("queries/sources/insert_quarantine").format(
            scrub_excerpt=apply_pairs_sql(scrub_sql("raw"), "_hs_pairs"), scrub_detail=scrub_sql("detail"),
            excerpt_chars=EXCERPT_CHARS, spanning_pairs=spanning_pairs_sql("joined"),
        )
        # read by name without a register, i.e. no catalog change that would live until the file's COMMIT
        execute(install_scrub(self.con), sql, [self.file_id, str(self.path), self.source, _utcnow()], _hs_rejects=table)
        self.quarantined += len(rejects)

    def progress(self, done_bytes: int) -> None:
        """Readers may call this with the stream position reached; the CLI shows it as a progress bar."""
        if self.on_progress is not None:
            self.on_progress(done_bytes)

    # -- the ledger row -----------------------------------------------------------------------
    @property
    def report(self) -> FileReport:
        """The counts (from the ledger when the file was already ingested)."""
        return FileReport(
            path=str(self.path), file_id=self.file_id, source=self.source, format=self.fmt, read=self.read,
            loaded=self.loaded, duplicate=self.duplicate, ignored=self.ignored, quarantined=self.quarantined,
            ignored_detail=dict(self.ignored_detail), already_ingested=self.already_ingested, seconds=round(self.seconds, 3),
        )

    def _load_previous(self) -> bool:
        row = self.con.execute(
            "SELECT format, records_loaded, records_duplicate, records_ignored, records_quarantined, ignored_detail "
            "FROM core.ingest_files WHERE file_id = ?",
            [self.file_id],
        ).fetchone()
        if row is None:
            return False
        self.fmt, self.loaded, self.duplicate, self.ignored, self.quarantined = row[0], *row[1:5]
        self.ignored_detail = json.loads(row[5]) if row[5] else {}
        self.already_ingested = True
        return True

    def _write_ledger(self) -> None:
        if self._read is not None and self._read != self.read:
            raise AssertionError(
                f"{self.path}: read {self._read} != loaded {self.loaded} + duplicate {self.duplicate}"
                f" + ignored {self.ignored} + quarantined {self.quarantined}"
            )
        assert self.read == self.loaded + self.duplicate + self.ignored + self.quarantined
        self.con.execute(
            read_sql("queries/sources/insert_ingest_file"),
            [
                self.file_id, self.source, self.fmt, str(self.path), self.size_bytes, self.read, self.loaded,
                self.duplicate, self.ignored, self.quarantined, json.dumps(self.ignored_detail),
                self.started_at, _utcnow(),
            ],
        )


@contextmanager
def file_load(
    con: duckdb.DuckDBPyConnection, path: str | Path, source: str, fmt: str | None = None, *, on_progress=None
) -> Iterator[FileLoad]:
    """One file, one transaction. Yields a FileLoad; its `.report` is complete after the block.

    Readers set `load.fmt` when they sniff the format themselves."""
    path = Path(path)
    started = time.perf_counter()
    load = FileLoad(con, path, source, fmt, file_sha256(path))
    load.on_progress = on_progress
    try:
        with unit_of_work(con):
            if not load._load_previous():
                yield load
                load._write_ledger()
            else:
                yield load
    finally:
        load.close_scratch()
        load.seconds = time.perf_counter() - started
