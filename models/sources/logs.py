"""Log files -> core.log_records (+ error events for records carrying a Python traceback).

Two formats:
- `jsonl`: one JSON object per line from a structured logger (python-json-logger, structlog, loguru
  `serialize=True`, pino/bunyan, OpenTelemetry-ish). Known fields are found through the alias table
  `JSON_FIELDS` (documented in sql/reference/11_logs_incidents.md); every other field is kept in
  `attributes`.
- `text`: plain lines described by a Loghub line format (`models.sources.logformat`). Lines that do
  not match the header regex continue the record above them (multi-line tracebacks).

All parsing happens in DuckDB. The file is read in chunks (reader batches, decoded in a background
thread while DuckDB works): each chunk is staged in a table (`log_lines`) of a per-file scratch
in-memory connection and parsed in SQL there; the last, possibly unfinished record of a plain-text
chunk is carried into the next chunk, and a per-file table of record-text hashes (`log_seen`) keeps
the occurrence index of repeated identical records exact across chunks. Only the final rows cross
into the warehouse connection (as Arrow), applied by one writer thread while the next chunk is
parsed. Memory is bounded by the chunk size (plus the rows the file's transaction adds).
Python only touches the (few) records with a traceback. Text is scrubbed in SQL before it is stored,
each record as one (scrub.py): a JSON line as a whole before any field is read, a plain-text record's
fields with the secrets found anywhere in its header and continuation lines.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from models.sources.ledger import FileLoad, Reject
from models.sources.logformat import (
    LEVEL_FIELDS,
    LOGGER_FIELDS,
    LineFormat,
    compile_line_format,
    epoch_int_sql,
    epoch_sql,
    text_timestamp_sql,
    time_candidates,
    time_text_sql,
)
from models.sources.overlap import one_writer, prefetched
from models.sources.reader import iter_blocks, iter_line_batches
from models.sources.scrub import (
    apply_pairs_sql,
    canonical_json_sql,
    find_sql,
    install_scrub,
    scrub_found_sql,
    scrub_pairs_sql,
)
from models.sources.sentry import insert_sentry_events
from models.sources.tracebacks import event_id_for, sentry_event_json
from models.warehouse import execute, read_sql, run_sql_file, sql_literal

TRACE_ID_TEXT_RE = r"(?i)trace[_.-]?id[\"':= ]+([0-9a-f]{32})\b"

# Field -> JSON paths tried in order (first non-null wins). Dotted OpenTelemetry/ECS names are tried
# both as one literal key ("service.name") and as nested objects (service -> name).
JSON_FIELDS: dict[str, tuple[str, ...]] = {
    "timestamp": (
        "timestamp",
        "time",
        "ts",
        "@timestamp",
        "asctime",
        "timeUnixNano",
        "time_unix_nano",
        "observedTimeUnixNano",
        "record.time.timestamp",
    ),
    "level": (
        "level",
        "levelname",
        "severity",
        "severity_text",
        "severityText",
        "log.level",
        "record.level.name",
        "severity_number",
        "severityNumber",
    ),
    "logger": ("logger", "name", "logger_name", "loggerName", "log.logger", "record.name"),
    "message": ("message", "msg", "event", "body", "record.message"),
    "exception": (
        "exc_info",
        "exception",
        "exc_text",
        "stack_trace",
        "stacktrace",
        "stack",
        "error.stack",
        "err.stack",
        "exception.stacktrace",
    ),
    "trace_id": ("trace_id", "traceId", "otelTraceID", "trace.id", "traceid", "dd.trace_id"),
    "service": (
        "service",
        "service.name",
        "serviceName",
        "otelServiceName",
        "resource.service.name",
        "resource.attributes.service.name",
    ),
    "release": ("release", "service.version", "version", "record.extra.release"),
    "environment": ("environment", "env", "deployment.environment", "record.extra.environment"),
}
# Keys removed from `attributes` because they became columns (top-level keys; nested readings such as
# error -> stack keep their parent object). loguru's `text` and `record` go too when `record` is an object.
# release/environment have no column in core.log_records: they stay in attributes too.
_CONSUMED = sorted(
    {key for name, keys in JSON_FIELDS.items() if name not in ("release", "environment") for key in keys}
)


def _json_path(key: str) -> list[str]:
    """JSON paths for an alias: the literal key plus every nested reading of its dots
    ("resource.service.name" -> $."resource.service.name", $."resource"."service.name", ...)."""
    parts = key.split(".")
    paths = []
    for mask in range(2 ** (len(parts) - 1)):
        groups, current = [], [parts[0]]
        for i, part in enumerate(parts[1:]):
            if mask >> i & 1:
                groups.append(".".join(current))
                current = [part]
            else:
                current.append(part)
        groups.append(".".join(current))
        paths.append("$." + ".".join('"' + g + '"' for g in groups))
    return paths



def _path_table() -> tuple[list[str], dict[str, list[int]]]:
    paths: list[str] = []
    index: dict[str, list[int]] = {}
    for name, keys in JSON_FIELDS.items():
        index[name] = []
        for key in keys:
            for path in _json_path(key):
                paths.append(path)
                index[name].append(len(paths))  # 1-based list index in SQL
    return paths, index


def _first_json(idx: list[int]) -> str:
    return "COALESCE(" + ", ".join(f"NULLIF(v[{i}], 'null')" for i in idx) + ")"


def _first_text(idx: list[int]) -> str:
    """First non-null alias as text (strings unquoted, numbers/objects as JSON text)."""
    return f"({_first_json(idx)}) ->> '$'"


def _level_sql(j: str) -> str:
    """Normalised lower-case level name; pino/bunyan (10..60) and OpenTelemetry (1..24) numbers mapped."""
    n = f"TRY_CAST({j} ->> '$' AS INTEGER)"
    word = f"lower(trim({j} ->> '$'))"
    return (
        f"CASE WHEN {j} IS NULL THEN NULL "
        f"WHEN json_type({j}) IN ('UBIGINT', 'BIGINT', 'DOUBLE') OR regexp_full_match({j} ->> '$', '\\d+') THEN "
        f"CASE WHEN {n} IN (10, 20, 30, 40, 50, 60) THEN ['trace', 'debug', 'info', 'warning', 'error', 'fatal'][{n} // 10] "
        f"WHEN {n} BETWEEN 1 AND 24 THEN ['trace', 'debug', 'info', 'warning', 'error', 'fatal'][({n} - 1) // 4 + 1] "
        f"ELSE {j} ->> '$' END "
        f"WHEN {word} IN ('warn', 'warning') THEN 'warning' WHEN {word} IN ('err', 'error') THEN 'error' "
        f"WHEN {word} IN ('crit', 'critical') THEN 'critical' ELSE {word} END"
    )


@functools.cache
def _jsonl_sql() -> tuple[str, str]:
    paths, ix = _path_table()
    consumed = "[" + ", ".join(map(sql_literal, _CONSUMED)) + "]"
    attrs = (
        "CAST(json_merge_patch(CAST(map_from_entries(list_filter(map_entries(json_transform(line, '\"MAP(VARCHAR, JSON)\"')),"
        f" lambda e: NOT (list_contains({consumed}, e.key) OR (e.key IN ('text', 'record') AND json_type(line, '$.record') = 'OBJECT')))) AS JSON),"
        " COALESCE(json_extract(line, '$.record.extra'), '{}')) AS VARCHAR)"
    )
    # loguru serialize: the formatted `text` holds the traceback when record.exception is set.
    loguru_exc = (
        "CASE WHEN json_type(line, '$.record.exception') = 'OBJECT' AND strpos(line ->> '$.text', 'Traceback') > 0 "
        "THEN substr(line ->> '$.text', strpos(line ->> '$.text', 'Traceback')) END"
    )
    parse = read_sql("queries/sources/parse_jsonl_log_lines").format(
        paths="[" + ", ".join(map(sql_literal, paths)) + "]",
        ts_json=_first_json(ix["timestamp"]),
        level_json=_first_json(ix["level"]),
        logger_expr=_first_text(ix["logger"]),
        message_expr=_first_text(ix["message"]),
        exception_expr=f"COALESCE({_first_text(ix['exception'])}, {loguru_exc})",
        trace_expr=_first_text(ix["trace_id"]),
        service_expr=_first_text(ix["service"]),
        release_expr=_first_text(ix["release"]),
        environment_expr=_first_text(ix["environment"]),
        attributes_expr=attrs,
        ts_expr=(
            "CASE WHEN json_type(ts_j) = 'VARCHAR' THEN "
            + text_timestamp_sql("(ts_j ->> '$')")
            + " WHEN json_type(ts_j) IN ('UBIGINT', 'BIGINT') THEN "
            + epoch_int_sql("TRY_CAST(ts_j AS BIGINT)")
            + " WHEN json_type(ts_j) = 'DOUBLE' THEN "
            + epoch_sql("CAST(ts_j AS DOUBLE)")
            + " END"
        ),
        level_expr=_level_sql("level_j"),
        scrub_line=scrub_found_sql("line", "_hs_found"),
        find_line=find_sql("line"),
        canonical_line=canonical_json_sql("line"),
    )
    stage = read_sql("queries/sources/stage_jsonl_log_records")
    return parse, stage


def _time_sql(con: duckdb.DuckDBPyConnection, fmt: LineFormat, sample: int = 2000) -> str | None | bool:
    """The timestamp expression for this file: the shapes that parse the first matching lines of the
    chunk in log_lines, best first. None when the format has no time fields or no shape fits; False
    when no line matches yet (decide on a later chunk).

    Trying every known shape on every line costs more than the rest of the parse; one file almost
    always uses one shape, so it is chosen once from a sample.
    """
    text = time_text_sql(fmt, "f")
    if text is None:
        return None
    cands = time_candidates(text)
    names = "[" + ", ".join(map(sql_literal, fmt.fields)) + "]"
    sample_sql = read_sql("queries/sources/sample_text_log_headers").format(names=names, sample=int(sample))
    matched, *counts = con.execute(
        "SELECT count(*), " + ", ".join(f"count({c})" for c in cands) + f" FROM ({sample_sql})", [fmt.regex]
    ).fetchone()
    if not matched:
        return False
    best = sorted((i for i in range(len(cands)) if counts[i]), key=lambda i: -counts[i])
    if not best:
        return None
    return "COALESCE(" + ", ".join(cands[i] for i in best) + ")" if len(best) > 1 else cands[best[0]]


def _text_sql(fmt: LineFormat) -> str:
    level = fmt.field_like(LEVEL_FIELDS)
    logger = fmt.field_like(LOGGER_FIELDS)
    content = fmt.content_field
    used = {level, logger, content, *fmt.time_fields}
    others = [f for f in fmt.fields if f not in used]
    attrs = "json_object(" + ", ".join(f'{sql_literal(f)}, f."{f}"' for f in others) + ")" if others else "'{}'"
    logger_expr = apply_pairs_sql(f"NULLIF(trim(f.\"{logger}\"), '')", "_hs_pairs") if logger else "CAST(NULL AS VARCHAR)"
    return read_sql("queries/sources/stage_text_log_records").format(
        level_expr=f"NULLIF(trim(f.\"{level}\"), '')" if level else "CAST(NULL AS VARCHAR)",
        logger_expr=logger_expr,
        message_expr=apply_pairs_sql(f'f."{content}"', "_hs_pairs"),
        exception_expr=apply_pairs_sql("continuation", "_hs_pairs"),
        attributes_text=attrs,
        attributes_expr=apply_pairs_sql("attributes_text", "_hs_pairs"),
        # the other header groups (attributes, component) are pieces of raw_text: one regex pass over the
        # record finds them all, and a secret split over the message and its continuation lines is seen whole
        pairs_expr=scrub_pairs_sql(["raw_text"]),
    )


def _mark_text(con: duckdb.DuckDBPyConnection, fmt: LineFormat, ts_expr: str | None) -> None:
    """log_lines -> log_marked (header flags, record numbers, header fields and time)."""
    names = "[" + ", ".join(map(sql_literal, ("__line__", *fmt.fields))) + "]"

    def whole(regex: str) -> str:  # group 1 = the whole line, then one group per field
        return sql_literal("^(" + regex[1:-1] + ")$")

    extract, fallback = f"regexp_extract(line, {whole(fmt.regex)}, {names})", "f0"
    if fmt.strict_regex:  # fast path; same fields whenever it matches (logformat._strict_regex)
        extract, fallback = f"regexp_extract(line, {whole(fmt.strict_regex)}, {names})", extract
    sql = read_sql("queries/sources/mark_text_log_lines").format(
        extract=extract,
        fallback=fallback,
        ts_expr=ts_expr or "CAST(NULL AS TIMESTAMP)",
        ts_required="true" if ts_expr else "false",
    )
    con.execute(sql)


def _stage_batch(scratch: duckdb.DuckDBPyConnection, batch) -> None:
    """Carried lines + one reader batch -> temp table log_lines of the scratch connection (the chunk)."""
    lines = pa.table(
        {
            "line_no": pa.array(batch.line_nos, pa.int64()),
            "byte_offset": pa.array(batch.byte_offsets, pa.int64()),
            "line": pa.array(batch.lines, pa.string()),
        }
    )
    execute(scratch, read_sql("queries/sources/create_log_lines"), _hs_log_batch=lines)


def _with_last(items):
    """(item, is_last) pairs: one item of look-ahead."""
    it = iter(items)
    try:
        prev = next(it)
    except StopIteration:
        return
    for item in it:
        yield prev, False
        prev = item
    yield prev, True


def _rejects(rows, reason: str | None, detail: str) -> list[Reject]:
    return [Reject(r[0], r[1], reason or r[2], detail, r[-1]) for r in rows]


_JSONL_DETAIL = {
    "malformed_json": "line is not valid JSON",
    "not_an_object": "JSON value is not an object",
    "missing_field": "record has neither a message nor a timestamp field",
    "wrong_type": "timestamp field does not parse as ISO time or epoch seconds/ms/us/ns",
}


def sniff_log_format(path) -> str:
    """'jsonl' when the first non-blank byte is `{`, else 'text'."""
    try:
        for block in iter_blocks(path, 65536):
            head = block.lstrip()
            if head:
                return "jsonl" if head[:1] == b"{" else "text"
    except EOFError:
        pass
    return "jsonl"


def load_log_file(
    con: duckdb.DuckDBPyConnection,
    load: FileLoad,
    path,
    fmt: str | None,
    line_format: str | None = None,
    service: str | None = None,
    *,
    batch_lines: int = 200_000,
) -> None:
    """Load one log file inside the open file transaction (`load` from `ledger.file_load`).

    fmt: 'jsonl' (also 'json', 'ndjson') or 'text' (needs `line_format`, a Loghub line format); None =
    sniffed (a first non-blank `{` means JSON lines).
    Counts records: loaded/duplicate (record_id already stored), ignored (blank lines outside a record),
    quarantined (reader rejects, bad JSON lines, lines before the first header).
    """
    fmt = fmt or sniff_log_format(path)
    if fmt in ("jsonl", "json", "ndjson"):
        kind = "jsonl"
    elif fmt == "text":
        kind = "text"
        if not line_format:
            raise ValueError(
                f"{path}: plain-text logs need a line format (hindsight.toml [[logs.formats]] or --line-format)"
            )
        compiled = compile_line_format(line_format)
    else:
        raise ValueError(f"{path}: unknown log format {fmt!r} (expected 'jsonl' or 'text')")
    load.fmt = kind

    # The per-chunk transform runs in a scratch in-memory connection (autocommit, one per file): its
    # per-chunk tables are freed at once, whereas temp tables replaced inside the warehouse's long file
    # transaction stay alive until COMMIT (catalog changes are transactional). Only the final rows
    # cross into the warehouse connection, as Arrow.
    scratch = install_scrub(duckdb.connect())
    try:
        scratch.execute("SET enable_progress_bar = false")  # long chunk queries would draw a bar on stdout
        run_sql_file(scratch, "queries/sources/create_log_seen")
        scratch.execute(
            "CREATE OR REPLACE TEMP TABLE log_carry (line_no BIGINT, byte_offset BIGINT, line VARCHAR)"
        )
        ts_expr: str | None | bool = False  # text: chosen on the first chunk with a matching line
        # Two-stage pipeline: this thread transforms chunk N+1 in the scratch connection while one
        # writer thread applies chunk N to the warehouse (the only thread touching `con` and `load`,
        # chunks in order). Both stages run in DuckDB with the GIL released; one chunk in flight.
        with one_writer("log-writer") as apply:
            for batch, last in _with_last(prefetched(iter_line_batches(path, batch_lines=batch_lines))):
                _stage_batch(scratch, batch)
                if kind == "jsonl":
                    ignored, rejects = _stage_jsonl_chunk(scratch)
                else:
                    if ts_expr is False:
                        ts_expr = _time_sql(scratch, compiled)
                    ignored, rejects = _stage_text_chunk(scratch, compiled, ts_expr, last)
                run_sql_file(scratch, "queries/sources/update_log_seen")
                staged = scratch.sql("SELECT * FROM log_staged").to_arrow_table(_ARROW_BATCH_ROWS)
                chunk = _Chunk(
                    batch.rejects + rejects,
                    ignored,
                    staged,
                    batch.byte_offsets[-1] if batch.byte_offsets else None,
                )
                apply(_apply_chunk, con, load, kind, service, chunk)
    finally:
        scratch.close()


@dataclass
class _Chunk:
    """One chunk's results from the scratch connection, to be applied to the warehouse."""

    rejects: list[Reject]
    blank_lines: int
    staged: pa.Table
    done_bytes: int | None


def _apply_chunk(
    con: duckdb.DuckDBPyConnection, load: FileLoad, kind: str, service: str | None, chunk: _Chunk
) -> None:
    """Writer thread: quarantine, ignored counts, records (+ traceback events), progress."""
    load.quarantine(chunk.rejects)
    load.add_ignored("blank_line", chunk.blank_lines)
    _insert_chunk(con, load, kind, service, chunk.staged)
    if chunk.done_bytes is not None:
        load.progress(chunk.done_bytes)


# Arrow record batch size of a staged chunk: several batches per chunk let DuckDB scan it on every thread.
_ARROW_BATCH_ROWS = 50_000


def _stage_jsonl_chunk(con: duckdb.DuckDBPyConnection) -> tuple[int, list[Reject]]:
    """log_lines -> log_staged; returns (blank lines, rejects)."""
    parse, stage = _jsonl_sql()
    con.execute(parse)
    problems = con.execute(read_sql("queries/sources/select_jsonl_log_problems")).fetchall()
    con.execute(stage)
    return (
        sum(1 for r in problems if r[2] == "blank"),
        [Reject(r[0], r[1], r[2], _JSONL_DETAIL[r[2]], r[3]) for r in problems if r[2] != "blank"],
    )


def _stage_text_chunk(
    con: duckdb.DuckDBPyConnection, fmt: LineFormat, ts_expr: str | None | bool, last: bool
) -> tuple[int, list[Reject]]:
    """log_lines -> log_staged; the chunk's last record is carried over unless this is the file's end.
    Returns (blank lines before the first record, rejects)."""
    if ts_expr is False:  # no matching line yet: every line is headerless
        ts_expr = None
    _mark_text(con, fmt, ts_expr)
    blank = con.execute(read_sql("queries/sources/count_text_log_blank_lead")).fetchone()[0]
    headerless = con.execute(read_sql("queries/sources/select_text_log_headerless")).fetchall()
    detail = f"line does not match the line format {fmt.text!r} and no record precedes it"
    rejects = _rejects(headerless, "no_record_header", detail)
    last_rec = con.execute("SELECT coalesce(max(rec_no), 0) FROM log_marked").fetchone()[0]
    cut = last_rec if last else last_rec - 1
    con.execute(read_sql("queries/sources/select_text_log_carry"), [0 if last else last_rec])
    con.execute(_text_sql(fmt), [TRACE_ID_TEXT_RE, cut])
    return blank, rejects


def _insert_chunk(
    con: duckdb.DuckDBPyConnection, load: FileLoad, kind: str, service: str | None, log_staged: pa.Table
) -> None:
    """Staged records (Arrow, read by the SQL as `log_staged`) -> core.log_records (+ traceback events);
    counts new and duplicate records."""
    now = datetime.now(UTC).replace(tzinfo=None)
    new = execute(
        con, read_sql("queries/sources/insert_log_records"), [kind, service, load.file_id, now], log_staged=log_staged
    ).fetchall()[0][0]
    load.add_loaded(new, log_staged.num_rows - new)
    _load_traceback_events(con, load, service, log_staged)


def _load_traceback_events(
    con: duckdb.DuckDBPyConnection, load: FileLoad, service: str | None, log_staged: pa.Table
) -> int:
    """Records with a Python traceback (or OpenTelemetry's `exception.type`) -> Sentry-shaped events
    (part A's insert_sentry_events), linked back."""
    rows = execute(
        con, read_sql("queries/sources/select_log_tracebacks"), [service, load.file_id], log_staged=log_staged
    ).fetchall()
    staged = {"line_no": [], "byte_offset": [], "raw": [], "origin": [], "log_record_id": []}
    links = {"record_id": [], "event_id": []}
    for (
        record_id,
        line_no,
        byte_offset,
        text,
        ts,
        level,
        logger,
        message,
        svc,
        release,
        env,
        trace_id,
        span_id,
        exc_type,
        exc_value,
    ) in rows:
        raw = sentry_event_json(
            record_id,
            text,
            timestamp=ts,
            level=level,
            logger=logger,
            message=message,
            service=svc,
            release=release,
            environment=env,
            trace_id=trace_id,
            span_id=span_id,
            exception_type=exc_type,
            exception_value=exc_value,
        )
        if raw is None:
            continue
        staged["line_no"].append(line_no)
        staged["byte_offset"].append(byte_offset)
        staged["raw"].append(raw)
        staged["origin"].append("log")
        staged["log_record_id"].append(record_id)
        links["record_id"].append(record_id)
        links["event_id"].append(event_id_for(record_id))
    if not links["record_id"]:
        return 0
    insert_sentry_events(con, _EventLoad(load), pa.table(staged))
    execute(con, read_sql("queries/sources/update_log_record_events"), log_events=pa.table(links))
    return len(links["record_id"])


class _EventLoad:
    """The file's FileLoad as seen by insert_sentry_events for events derived from log records.

    Those events are not extra input records of the log file: their counts are not added to the log
    file's ledger row (which counts log records). Quarantined derived events are still written
    (with the file id) so nothing disappears silently, but do not change the record counts.
    """

    def __init__(self, load: FileLoad):
        self._load = load
        self.derived_loaded = self.derived_duplicate = self.derived_quarantined = 0

    def __getattr__(self, name):
        return getattr(self._load, name)

    def add_loaded(self, new: int, duplicate: int = 0) -> None:
        self.derived_loaded += int(new)
        self.derived_duplicate += int(duplicate)

    def add_ignored(self, kind: str, n: int = 1) -> None:
        pass

    def add_read(self, n: int) -> None:
        pass

    def add_quarantined(self, n: int) -> None:
        self.derived_quarantined += int(n)

    def quarantine(self, rejects: list[Reject]) -> None:
        before = self._load.quarantined
        self._load.quarantine(rejects)
        self._load.quarantined = before
        self.derived_quarantined += len(rejects)
