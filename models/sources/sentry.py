"""Sentry error events -> core.events, core.exceptions, core.frames.

Formats: a single event JSON (`json_event`, pretty-printed or not; several concatenated objects are
accepted too), a JSON array export (`json_array`), newline-delimited events (`ndjson`) and sentry-sdk
envelopes (`envelope`, see envelope.py). Every format is read block by block (arrays and sequences are
split by jsonsplit.py) and ends in `insert_sentry_events`, which takes a
batch of raw event texts as an Arrow table, with no loop per event: ONE DuckDB query
(select_sentry_batch.sql) scrubs the text (scrub.py: one regex pass for all rules), checks field types
with `json_type` and parses it ONCE with a declared structure (`from_json`); Arrow compute then splits
the result into rejects (quarantined), events deduped on event_id (md5 of the scrubbed record when
absent) inside the batch and, by an anti-join, against the warehouse, and the exception chain and
frames, flattened from the parsed lists (`_chain_rows`). The raw text is only ever in memory (a
registered Arrow table); what reaches a table has been scrubbed.

Memory: the transform runs in the load's scratch in-memory DuckDB (`FileLoad.scratch`, autocommit), and
the warehouse connection, inside the file's single transaction, only anti-joins and appends the
resulting Arrow rows. Per-batch temp tables in the warehouse transaction were kept alive until COMMIT
(catalog changes are transactional), so memory grew with the file (17 GB for 1M events).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from models.sources.envelope import EnvelopeParser, looks_like_envelope
from models.sources.jsonsplit import iter_json_records
from models.sources.ledger import FileLoad, Reject
from models.sources.overlap import one_writer, prefetched
from models.sources.reader import TruncatedStream, iter_arrow_line_batches, iter_blocks
from models.sources.scrub import canonical_json_sql, find_sql, install_scrub, scrub_found_sql, scrub_fragments
from models.sources.sentry_rest import rewrite_rest_events
from models.warehouse import execute, read_sql, sql_literal

FORMATS = ("ndjson", "json_array", "json_event", "envelope")
BATCH_LINES = 20_000  # event payloads per batch for envelopes
BATCH_BYTES = 24 << 20  # NDJSON batch size (~7k events of 3.4 KB); the scratch DB holds a few times this
MAX_LINE_BYTES = 1_048_576
MAX_DEPTH = 64  # deeper JSON is quarantined as too_deep (sentry-sdk itself trims data at depth 10)
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")
_SQL_CACHE: dict[str, str] = {}
# Declared structure of one exception of `exception.values` (from_json), frames included.
FRAME_STRUCT = (
    '{"filename": "VARCHAR", "abs_path": "VARCHAR", "module": "VARCHAR", '
    '"function": "VARCHAR", "lineno": "INTEGER", "colno": "INTEGER", "context_line": "VARCHAR", '
    '"pre_context": ["VARCHAR"], "post_context": ["VARCHAR"], "in_app": "BOOLEAN", "package": "VARCHAR", '
    '"vars": "JSON"}'
)
EXCEPTION_STRUCT = (
    '{"type": "VARCHAR", "value": "VARCHAR", "module": "VARCHAR", '
    '"mechanism": {"type": "VARCHAR", "handled": "BOOLEAN", "exception_id": "INTEGER", "parent_id": "INTEGER"}, '
    '"stacktrace": {"frames": [' + FRAME_STRUCT + ']}}'
)
# A thread of `threads.values` (message events with attach_stacktrace, native crashes): its stack.
THREAD_STRUCT = (
    '{"id": "VARCHAR", "name": "VARCHAR", "crashed": "BOOLEAN", "current": "BOOLEAN", '
    '"stacktrace": {"frames": [' + FRAME_STRUCT + ']}}'
)
FRAME_FIELDS = ("filename", "abs_path", "module", "function", "lineno", "colno", "context_line", "pre_context",
                "post_context", "in_app", "package", "vars")


def _sql(name: str) -> str:
    if name not in _SQL_CACHE:
        text = read_sql(f"queries/sources/{name}")
        if name == "select_sentry_batch":
            # NDJSON values keep their line ending (zero-copy Arrow): JSON parsing ignores it, and the
            # excerpt and the md5 fallback id trim it
            text = text.format(scrub_raw=scrub_found_sql("raw", "_hs_found"), find_raw=find_sql("raw"),
                               canonical_raw=canonical_json_sql("raw"), exception_struct=EXCEPTION_STRUCT,
                               frame_struct=FRAME_STRUCT, thread_struct=THREAD_STRUCT, max_depth=MAX_DEPTH,
                               depth_ok=sql_literal(depth_at_most_pattern(MAX_DEPTH)))
        _SQL_CACHE[name] = text
    return _SQL_CACHE[name]


def json_depth(text: str) -> int:
    """Maximum nesting depth of a JSON text (strings skipped); no recursion, so absurd depth is safe.
    The reference for `depth_at_most_pattern` (tests compare the two)."""
    depth = best = 0
    for m in _BRACKETS.finditer(_STRINGS.sub("", text)):
        if m.group() in "[{":
            depth += 1
            best = max(best, depth)
        else:
            depth -= 1
    return best


def depth_at_most_pattern(limit: int) -> str:
    """RE2 pattern that fully matches a valid JSON text iff it nests at most `limit` deep. Level k is
    `(atom | string | open level(k-1) close)*`: the pattern grows linearly with `limit` and RE2 runs it
    as a DFA (its state is the depth), one pass at regex speed, strings (with escapes) skipped."""
    atoms = r'[^\[\]{}"]|"(?:[^"\\]|\\.)*"'
    level = f"(?:{atoms})*"
    for _ in range(limit):
        level = f"(?:{atoms}|[\\[{{]{level}[\\]}}])*"
    return "(?s)" + level


def bracket_counts(raw: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Number of `{` plus `[` of each value of a string array, an upper bound of its nesting depth: the
    positions of the brackets in the data buffer (numpy), then one binary search per value boundary.
    NDJSON batches get it in the prefetch thread."""
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    if len(raw) == 0:
        return pa.array([], pa.int64())
    width = np.int64 if pa.types.is_large_string(raw.type) else np.int32
    _, offsets_buf, data_buf = raw.buffers()
    offsets = np.frombuffer(offsets_buf, width)[raw.offset : raw.offset + len(raw) + 1].astype(np.int64)
    data = np.frombuffer(data_buf, np.uint8)[offsets[0] : offsets[-1]] if data_buf is not None else np.zeros(0, np.uint8)
    opens = np.flatnonzero((data == ord("{")) | (data == ord("[")))
    return pa.array(np.diff(np.searchsorted(opens, offsets - offsets[0])))


def _scratch_for(load) -> tuple[duckdb.DuckDBPyConnection, bool]:
    """The load's scratch DB (reused for the whole file), or a private one for loads without it."""
    scratch = getattr(load, "scratch", None)
    if callable(scratch):
        return install_scrub(scratch()), False
    return install_scrub(duckdb.connect(config={"memory_limit": "512MB"})), True


def _positions(lists: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """For the flattened values of a list array: (parent row, 0-based index in its list, list length)."""
    parents = pc.list_parent_indices(lists)
    lengths = pc.fill_null(pc.list_value_length(lists), 0)
    starts = pc.subtract(pc.cumulative_sum(lengths), lengths)
    index = pc.subtract(pa.array(np.arange(len(parents), dtype=np.int64)), pc.take(starts, parents))
    return parents, index.cast(pa.int32()), pc.take(lengths, parents)


def _chain_rows(events: pa.Table) -> tuple[pa.Table, pa.Table]:
    """core.exceptions and core.frames rows from the events' `exc_values` (Sentry order: cause first,
    raised last; frames outermost first), flattened with Arrow compute: no Python loop, no DuckDB unnest."""
    chains = events.column("exc_values").combine_chunks()
    exc = pc.list_flatten(chains)
    parents, index, count = _positions(chains)
    event_ids = pc.take(events.column("event_id").combine_chunks(), parents)
    mechanism = pc.struct_field(exc, "mechanism")
    exceptions = pa.table({
        "event_id": event_ids, "exception_index": index, "is_main": pc.equal(index, pc.subtract(count, 1)),
        "type": pc.struct_field(exc, "type"), "value": pc.struct_field(exc, "value"),
        "module": pc.struct_field(exc, "module"), "mechanism_type": pc.struct_field(mechanism, "type"),
        "handled": pc.struct_field(mechanism, "handled"), "exception_id": pc.struct_field(mechanism, "exception_id"),
        "parent_id": pc.struct_field(mechanism, "parent_id"),
    })
    frame_lists = pc.struct_field(pc.struct_field(exc, "stacktrace"), "frames")
    frame = pc.list_flatten(frame_lists)
    owners, frame_index, depth = _positions(frame_lists)
    frames = {
        "event_id": pc.take(event_ids, owners), "exception_index": pc.take(index, owners),
        "frame_index": frame_index, "is_innermost": pc.equal(frame_index, pc.subtract(depth, 1)),
    }
    frames.update(_frame_columns(frame))
    return exceptions, pa.table(frames)


def _frame_columns(frame: pa.Array) -> dict[str, pa.Array]:
    columns = {name: pc.struct_field(frame, name) for name in FRAME_FIELDS}
    columns["vars"] = columns["vars"].cast(pa.string())
    return columns


def _thread_frame_rows(events: pa.Table) -> pa.Table:
    """core.thread_frames rows: the frames of each event's top-level `stacktrace` (thread_index -1) and
    of every thread in `threads.values`, flattened like `_chain_rows`."""
    event_ids = events.column("event_id").combine_chunks()
    parts = []
    top = events.column("stack_frames").combine_chunks()
    frame = pc.list_flatten(top)
    owners, frame_index, depth = _positions(top)
    n = len(frame)
    parts.append(pa.table({
        "event_id": pc.take(event_ids, owners), "thread_index": pa.array(np.full(n, -1, np.int32)),
        "thread_id": pa.nulls(n, pa.string()), "thread_name": pa.nulls(n, pa.string()),
        "crashed": pa.nulls(n, pa.bool_()), "current": pa.nulls(n, pa.bool_()),
        "frame_index": frame_index, "is_innermost": pc.equal(frame_index, pc.subtract(depth, 1)),
        **_frame_columns(frame),
    }))
    threads = events.column("threads").combine_chunks()
    thread = pc.list_flatten(threads)
    parents, thread_index, _ = _positions(threads)
    frame_lists = pc.struct_field(pc.struct_field(thread, "stacktrace"), "frames")
    frame = pc.list_flatten(frame_lists)
    owners, frame_index, depth = _positions(frame_lists)
    parts.append(pa.table({
        "event_id": pc.take(pc.take(event_ids, parents), owners), "thread_index": pc.take(thread_index, owners),
        "thread_id": pc.take(pc.struct_field(thread, "id"), owners),
        "thread_name": pc.take(pc.struct_field(thread, "name"), owners),
        "crashed": pc.take(pc.struct_field(thread, "crashed"), owners),
        "current": pc.take(pc.struct_field(thread, "current"), owners),
        "frame_index": frame_index, "is_innermost": pc.equal(frame_index, pc.subtract(depth, 1)),
        **_frame_columns(frame),
    }))
    return pa.concat_tables(parts)


def _first_per_event(valid: pa.Table) -> pa.Table:
    """The first record (lowest rid) of each event_id: duplicates inside one batch load once."""
    if pc.count_distinct(valid.column("event_id")).as_py() == valid.num_rows:
        return valid
    firsts = valid.group_by("event_id", use_threads=False).aggregate([("rid", "min")]).column("rid_min")
    return valid.filter(pc.is_in(valid.column("rid"), value_set=firsts))


def _rest_rows(scratch: duckdb.DuckDBPyConnection, load: FileLoad, rest: pa.Table) -> pa.Table:
    """Records in Sentry's REST API shape (`entries[]`, marked `rest_shape` by the query): rewritten to the
    ingest shape (sentry_rest.py, from the already scrubbed text) and run through the same query."""
    staged = pa.table({
        "rid": rest.column("rid"), "line_no": rest.column("line_no"), "byte_offset": rest.column("byte_offset"),
        "raw": pa.array(rewrite_rest_events(rest.column("rest_raw").to_pylist()), pa.string()),
    })
    staged = staged.append_column("brackets", bracket_counts(staged.column("raw")))
    staged = staged.append_column("origin", rest.column("origin"))
    staged = staged.append_column("log_record_id", rest.column("log_record_id"))
    rows = execute(
        scratch, _sql("select_sentry_batch"), [load.file_id, load.started_at],
        _hs_staged=pa.Table.from_batches(staged.to_batches(max_chunksize=2048)),
    ).to_arrow_table()
    again = pc.fill_null(pc.equal(rows.column("reason"), "rest_shape"), False)
    if pc.any(again).as_py():  # could not be rewritten (not expected): quarantined, never looped
        rows = rows.set_column(rows.column_names.index("reason"), "reason",
                               pc.if_else(again, "wrong_type", rows.column("reason")))
        rows = rows.set_column(rows.column_names.index("detail"), "detail",
                               pc.if_else(again, "a Sentry REST API event that could not be read", rows.column("detail")))
    return rows.cast(rows.schema)


def _transform_batch(scratch: duckdb.DuckDBPyConnection, load: FileLoad, staged: pa.Table) -> dict:
    """Scrub, validate and parse one batch in ONE query of the scratch DB (select_sentry_batch.sql), then
    split it with Arrow: rejects, events (deduped within the batch, not yet against the warehouse),
    exceptions and frames."""
    n = staged.num_rows
    cols = {
        "rid": pa.array(range(n), pa.int64()),
        "line_no": staged.column("line_no").cast(pa.int64()),
        "byte_offset": staged.column("byte_offset").cast(pa.int64()),
        "raw": staged.column("raw"),
        "brackets": staged.column("brackets") if "brackets" in staged.column_names else bracket_counts(staged.column("raw")),
        "origin": staged.column("origin") if "origin" in staged.column_names else pa.nulls(n, pa.string()),
        "log_record_id": (
            staged.column("log_record_id") if "log_record_id" in staged.column_names else pa.nulls(n, pa.string())
        ),
    }
    # many small record batches: DuckDB scans an Arrow table in parallel by batch
    rows = execute(
        scratch, _sql("select_sentry_batch"), [load.file_id, load.started_at],
        _hs_staged=pa.Table.from_batches(pa.table(cols).to_batches(max_chunksize=2048)),
    ).to_arrow_table()
    rest = pc.fill_null(pc.equal(rows.column("reason"), "rest_shape"), False)
    if pc.any(rest).as_py():
        rows = pa.concat_tables([rows.filter(pc.invert(rest)), _rest_rows(scratch, load, rows.filter(rest))])
    rows = rows.drop_columns([c for c in ("rest_raw",) if c in rows.column_names])
    rejected = pc.is_valid(rows.column("reason"))
    rejects = rows.filter(rejected).select(["line_no", "byte_offset", "reason", "detail", "excerpt"])
    if rejects.num_rows > 1:  # pieces of one broken record: what they reveal together (scrub.scrub_fragments)
        excerpts = pa.array(scrub_fragments(rejects.column("excerpt").to_pylist()), pa.string())
        rejects = rejects.set_column(rejects.column_names.index("excerpt"), "excerpt", excerpts)
    out = {"rejects": rejects}
    valid = rows.filter(pc.invert(rejected))
    if valid.num_rows and valid.column("exc_list").null_count < valid.num_rows:  # some bare-list exceptions
        chains = pc.coalesce(valid.column("exc_values"), valid.column("exc_list"))
        valid = valid.set_column(valid.column_names.index("exc_values"), "exc_values", chains)
    valid = valid.drop_columns(["exc_list"])
    out["valid"] = valid.num_rows
    events = _first_per_event(valid)
    out["exceptions"], out["frames"] = _chain_rows(events)
    out["thread_frames"] = _thread_frame_rows(events)
    out["events"] = events.drop_columns(
        ["rid", "byte_offset", "reason", "detail", "excerpt", "exc_values", "stack_frames", "threads"]
    )
    return out


def insert_sentry_events(con: duckdb.DuckDBPyConnection, load: FileLoad, staged: pa.Table) -> tuple[int, int]:
    """Load a batch of raw event JSON texts; returns (new, duplicate). Bad records are quarantined.

    `staged` columns: line_no int64, byte_offset int64, raw string (one event JSON), optional
    origin string (default 'sentry') and log_record_id string.

    The transform runs in the load's scratch DB (`FileLoad.scratch`); the warehouse connection `con`
    (inside the file's transaction) only runs an anti-join and appends, reading the Arrow rows by name
    through `models.warehouse.execute`: no temp table, no register, so no catalog change accumulates in the
    long transaction."""
    if staged.num_rows == 0:
        return 0, 0
    return store_sentry_batch(con, load, transform_sentry_batch(load, staged))


def transform_sentry_batch(load: FileLoad, staged: pa.Table) -> dict:
    """The scratch-DB half of `insert_sentry_events`: no warehouse access, so it can run while the
    previous batch is being stored."""
    scratch, own = _scratch_for(load)
    try:
        return _transform_batch(scratch, load, staged)
    finally:
        if own:
            scratch.close()


def store_sentry_batch(con: duckdb.DuckDBPyConnection, load: FileLoad, batch: dict) -> tuple[int, int]:
    """The warehouse half: quarantine the rejects, anti-join, append; returns (new, duplicate)."""
    rejects = batch["rejects"]
    if rejects.num_rows:
        execute(con, _sql("insert_sentry_rejects"), [load.file_id, str(load.path), load.source, load.started_at],
                _hs_reject_rows=rejects)
        load.add_quarantined(rejects.num_rows)
    valid = batch["valid"]
    if not valid:
        return 0, 0
    new_ids = execute(con, _sql("select_sentry_event_ids_new"), _hs_event_rows=batch["events"]).to_arrow_table()
    new_ids = new_ids.column("event_id")
    new = len(new_ids)
    if new:
        events, exceptions, frames, thread_frames = (
            batch["events"], batch["exceptions"], batch["frames"], batch["thread_frames"]
        )
        if new < events.num_rows:  # some were loaded before (earlier file or batch)
            events, exceptions, frames, thread_frames = (
                t.filter(pc.is_in(t.column("event_id"), value_set=new_ids))
                for t in (events, exceptions, frames, thread_frames)
            )
        execute(con, _sql("insert_sentry_events"), _hs_new_events=events)
        execute(con, _sql("insert_sentry_exceptions"), _hs_new_exceptions=exceptions)
        execute(con, _sql("insert_sentry_frames"), _hs_new_frames=frames)
        if thread_frames.num_rows:
            execute(con, _sql("insert_sentry_thread_frames"), _hs_new_thread_frames=thread_frames)
    load.add_loaded(new, valid - new)
    return new, valid - new


# -- file formats ---------------------------------------------------------------------------------


def sniff_format(path: Path) -> str:
    """ndjson | json_array | json_event | envelope: from the name (.ndjson/.jsonl/.envelope, before any
    .gz), else from the first bytes of the decompressed content."""
    suffixes = [x.lower() for x in path.suffixes if x.lower() not in (".gz", ".gzip")]
    if suffixes and suffixes[-1] in (".ndjson", ".jsonl"):
        return "ndjson"
    if suffixes and suffixes[-1] == ".envelope":
        return "envelope"
    head = b""
    try:
        for block in iter_blocks(path, 1 << 16):
            head += block
            if len(head) >= 1 << 16:
                break
    except TruncatedStream:
        pass
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body[:1] == b"[":
        return "json_array"
    lines = body.split(b"\n", 2)
    first = lines[0].strip()
    second = lines[1].strip() if len(lines) > 1 else b""
    if looks_like_envelope(first, second):
        return "envelope"
    try:
        json.loads(first)
        return "ndjson"
    except ValueError:
        pass
    return "json_event" if body[:1] == b"{" else "ndjson"


def _staged(rows: list[tuple[int, int, str]]) -> pa.Table:
    return pa.table(
        {
            "line_no": pa.array([r[0] for r in rows], pa.int64()),
            "byte_offset": pa.array([r[1] for r in rows], pa.int64()),
            "raw": pa.array([r[2] for r in rows], pa.string()),
        }
    )


def _ndjson_batches(path: Path) -> Iterator[tuple[object, pa.Table]]:
    for batch in iter_arrow_line_batches(path, batch_bytes=BATCH_BYTES, max_line_bytes=MAX_LINE_BYTES):
        table = None
        if len(batch.lines):
            table = pa.table(
                {
                    "line_no": pa.array(batch.line_nos, pa.int64()),
                    "byte_offset": pa.array(batch.byte_offsets, pa.int64()),
                    "raw": batch.lines,
                }
            )
            blank = pc.match_substring_regex(table.column("raw"), r"^\s*$")
            table = table.filter(pc.invert(blank))
            table = table.append_column("brackets", bracket_counts(table.column("raw")))
        yield batch, table


@dataclass
class SentryPart:
    """One step of loading a Sentry file, in file order: what the reader quarantined or ignored, and a
    transformed batch (`transform_sentry_batch`) still to be stored. The embedded run stores each part as
    it comes (`load_sentry_file`); a compute task writes them to Parquet and the committer stores them
    later (`models/compute/`), through the same `store_sentry_part`."""

    rejects: list[Reject] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    transformed: dict | None = None
    done: int | None = None  # stream position reached (progress)


def store_sentry_part(con: duckdb.DuckDBPyConnection, load: FileLoad, part: SentryPart) -> None:
    """The warehouse half of one part, inside the file's transaction: counts, quarantine, anti-join, append."""
    for kind, count in sorted(part.ignored.items()):
        load.add_ignored(kind, count)
    load.quarantine(part.rejects)
    if part.transformed is not None:
        store_sentry_batch(con, load, part.transformed)
    if part.done is not None:
        load.progress(part.done)


def sentry_parts(load, path: Path, fmt: str) -> Iterator[SentryPart]:
    """The parts of one Sentry file of format `fmt`, transformed in the load's scratch DB; no warehouse
    access (`load` needs `file_id`, `started_at` and optionally `scratch()`). An unknown format raises
    here, before anything is read."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown Sentry format {fmt!r} (expected one of {', '.join(FORMATS)})")
    return _parts(load, Path(path), fmt)


def _parts(load, path: Path, fmt: str) -> Iterator[SentryPart]:
    if fmt == "ndjson":
        batches = ((b.rejects, t, b.end_offset) for b, t in _ndjson_batches(path))
    elif fmt == "envelope":
        yield from _envelope_parts(load, path)
        return
    else:  # a JSON array export or a sequence of events: split without parsing (jsonsplit), block by block
        records = iter_json_records(path, array=fmt == "json_array", block_bytes=BATCH_BYTES,
                                    max_record_bytes=MAX_LINE_BYTES)
        batches = ((b.rejects, _record_table(b), b.end_offset) for b in records)
    for rejects, table, done in prefetched(batches):
        transformed = transform_sentry_batch(load, table) if table is not None and table.num_rows else None
        yield SentryPart(rejects=rejects, transformed=transformed, done=done)


def load_sentry_file(con: duckdb.DuckDBPyConnection, load: FileLoad, path: Path, fmt: str | None = None) -> None:
    """Load one Sentry file (inside `load`'s transaction); the format is sniffed when not given.

    Three stages, one batch each in flight: a prefetch thread reads batch N+2, this thread transforms
    batch N+1 in the scratch DB (`sentry_parts`), one writer thread stores batch N in the warehouse (the
    only thread that touches `con` and the load's counts, parts in order). The warehouse appends
    single-threaded (ingest.single_threaded), so storing overlaps the transform instead of competing."""
    path = Path(path)
    fmt = fmt or sniff_format(path)
    parts = sentry_parts(load, path, fmt)  # checks the format before anything is read
    load.fmt = fmt
    with one_writer("sentry-writer") as store:
        for part in parts:
            store(store_sentry_part, con, load, part)


def _record_table(batch) -> pa.Table | None:
    if not len(batch.lines):
        return None
    return pa.table({
        "line_no": pa.array(batch.line_nos, pa.int64()),
        "byte_offset": pa.array(batch.byte_offsets, pa.int64()),
        "raw": batch.lines,
        "brackets": bracket_counts(batch.lines),
    })


def _envelope_parts(load, path: Path) -> Iterator[SentryPart]:
    """sentry-sdk envelopes (FileTransport appends them to one file), parsed block by block."""
    parser = EnvelopeParser()
    blocks = iter_blocks(path, BATCH_BYTES)
    while True:
        try:
            block = next(blocks, None)
        except TruncatedStream as exc:  # the unfinished item is the one cut off
            yield SentryPart(rejects=[Reject(parser.line_no, parser.offset, "truncated_gzip",
                                             f"stream ends early: {exc}", parser.buffer[:400])])
            return
        items = parser.feed(block or b"", final=block is None)
        yield SentryPart(rejects=items.rejects, ignored=dict(items.ignored))
        for start in range(0, len(items.events), BATCH_LINES):
            yield SentryPart(transformed=transform_sentry_batch(load, _staged(items.events[start : start + BATCH_LINES])))
        if block is None:
            return
        yield SentryPart(done=parser.offset)
