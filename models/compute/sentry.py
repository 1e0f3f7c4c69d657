"""Sentry files on a compute worker: the task (file -> Parquet parts) and its commit.

The task runs `models.sources.sentry.sentry_parts`, the very function the embedded ingest runs (scrub,
validate, parse, flatten in a scratch DuckDB), and writes each part to Parquet under a folder named by
the content hash of the file (`naming.task_key`). The committer replays the parts, in order, through
`store_sentry_part` inside the file's ledger transaction (`ingest.ingest_file` with this loader):
the same anti-join dedupe, quarantine and exactly-once ledger as the embedded run, so both write the
same rows.

What differs is only when the rows were made: the task runs with a fixed placeholder for the load
time (so its output is a function of the file alone), and the committer stamps `core.events.ingested_at`
with its own load time, as the embedded run does.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from models.compute.naming import read_manifest, task_key, write_once
from models.sources.ledger import FileLoad, Reject, _excerpt_text, file_sha256
from models.sources.overlap import prefetched
from models.sources.sentry import SentryPart, sentry_parts, sniff_format, store_sentry_part

TASK_VERSION = 1  # bump when the part layout changes
PLACEHOLDER_LOAD_TIME = datetime(1970, 1, 1)
TABLES = ("rejects", "events", "exceptions", "frames", "thread_frames")
_REJECT_SCHEMA = pa.schema([("line_no", pa.int64()), ("byte_offset", pa.int64()), ("reason", pa.string()),
                            ("detail", pa.string()), ("raw", pa.string())])


def transform_sentry_file(path: str, output_root: str, fmt: str | None = None, threads: int = 0) -> dict:
    """The task: one Sentry file -> `output_root/<key>/` (manifest + Parquet parts); idempotent.

    `threads` caps the scratch DuckDB's threads (`[compute] task_threads`; 0 = every core, as the embedded
    run). A `dask worker --nthreads 1` is one core's worth of work only if its task keeps to one engine
    thread: left at every core, one worker already filled this 2-core machine and a second added nothing
    (measured: README "Beyond one machine"). Arrow's pools need no cap: the task's Arrow compute is
    single-threaded (sampled per thread, no native thread but DuckDB's did work). The output does not
    depend on it (the key leaves it out).

    Returns {"path", "file_id", "output"}, or {"path", "error"} when the file cannot be read at all (the
    message the embedded ingest would give; the committer reports it like the embedded run does)."""
    src = Path(path)
    try:
        file_id = file_sha256(src)
        fmt = fmt or sniff_format(src)
        key = task_key("sentry", file_id=file_id, format=fmt, version=TASK_VERSION)
        folder = write_once(Path(output_root), key, lambda tmp: _write_parts(src, file_id, fmt, tmp, threads))
    except (OSError, ValueError) as exc:
        return {"path": path, "error": str(exc)}
    return {"path": path, "file_id": file_id, "output": str(folder)}


def _write_parts(path: Path, file_id: str, fmt: str, folder: Path, threads: int = 0) -> dict:
    load = FileLoad(None, path, "sentry", fmt, file_id, threads=threads)  # only its scratch DB and ids are used
    load.started_at = PLACEHOLDER_LOAD_TIME
    parts = []
    try:
        for no, part in enumerate(sentry_parts(load, path, fmt)):
            entry = {"ignored": part.ignored, "done": part.done, "reader_rejects": bool(part.rejects),
                     "valid": None}
            if part.rejects:
                pq.write_table(_reject_table(part.rejects), folder / f"{no:06d}-reader_rejects.parquet")
            if part.transformed is not None:
                entry["valid"] = int(part.transformed["valid"])
                for name in TABLES:
                    pq.write_table(part.transformed[name], folder / f"{no:06d}-{name}.parquet")
            parts.append(entry)
    finally:
        load.close_scratch()
    return {"file_id": file_id, "format": fmt, "task_version": TASK_VERSION, "parts": parts}


def _reject_table(rejects: list[Reject]) -> pa.Table:
    """The reader's rejects with the excerpt the ledger's quarantine would take of them (`_excerpt_text`
    is idempotent on text, so the committer's quarantine stores the same excerpt, scrubbed)."""
    return pa.table({
        "line_no": [r.line_no for r in rejects], "byte_offset": [r.byte_offset for r in rejects],
        "reason": [r.reason for r in rejects], "detail": [r.detail for r in rejects],
        "raw": [_excerpt_text(r.raw) for r in rejects],
    }, schema=_REJECT_SCHEMA)


def read_parts(folder: Path, load_time: datetime) -> Iterator[SentryPart]:
    """The parts of a finished task folder, in file order, stamped with the committer's load time."""
    manifest = read_manifest(folder)
    for no, entry in enumerate(manifest["parts"]):
        rejects = []
        if entry["reader_rejects"]:
            rejects = [Reject(**row) for row in pq.read_table(folder / f"{no:06d}-reader_rejects.parquet").to_pylist()]
        transformed = None
        if entry["valid"] is not None:
            transformed = {name: pq.read_table(folder / f"{no:06d}-{name}.parquet") for name in TABLES}
            transformed["valid"] = entry["valid"]
            events = transformed["events"]
            stamp = pa.array([load_time] * events.num_rows, events.schema.field("ingested_at").type)
            transformed["events"] = events.set_column(events.column_names.index("ingested_at"), "ingested_at", stamp)
        yield SentryPart(rejects=rejects, ignored=entry["ignored"], transformed=transformed, done=entry["done"])


def sentry_loader(folder: Path):
    """The loader `ingest.ingest_file` runs inside the file's transaction: the task's parts, stored in
    order with the embedded run's `store_sentry_part` (reading the next part overlaps storing this one)."""

    def load_parts(con, load: FileLoad) -> None:
        load.fmt = read_manifest(folder)["format"]
        for part in prefetched(read_parts(folder, load.started_at)):
            store_sentry_part(con, load, part)

    return load_parts


def remove_output(result: dict) -> None:
    """Delete a task's folder once its file is in the ledger (it may hold unscrubbed reject excerpts)."""
    if result.get("output"):
        shutil.rmtree(result["output"], ignore_errors=True)
