"""The fuzzing harness shared by the property tests (tests/hardening/test_fuzz_readers.py) and the
coverage-guided run in `make bench` (benchmarks/fuzz.py).

Every reader is one `Reader` in `READERS`; adding one (OTLP, say) is one line:

    register(Reader("otlp_json", source="otlp", fmt="json", suffix=".json", seeds=(b'{"resourceLogs": []}',)))

Two checks per input, both on a real file:
- `check_reader` (fast, thousands of inputs a second): the reader's own parsing code (line batches, JSON
  splitting, envelope items, traceback parser, CSV/JSON incident rows) must not raise anything but the
  errors it documents, and every piece must come back as a record or a reject (counts add up).
- `check_ingest` (real ingest into a DuckDB warehouse, 5-400 ms an input): `ingest_file` either refuses
  the file with an IngestError (a clear error, nothing stored) or loads it, and then
  `read = loaded + duplicate + ignored + quarantined`, the ledger row says the same, the rows stored for
  the file are exactly `loaded` (+ `quarantined` quarantine rows), and for line formats `read` equals the
  number of records in the input counted independently.
Both also time the input: more than `HANG_SECONDS` is a hang.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HANG_SECONDS = 20.0
TEXT_FORMAT = "<Date> <Time> <Level> <Component>: <Content>"


class Mismatch(AssertionError):
    """Counts that do not add up: a record lost or counted twice."""


@dataclass(frozen=True)
class Reader:
    name: str
    source: str  # hindsight ingest --source
    fmt: str | None  # --format (None: sniffed)
    suffix: str  # file name suffix (sniffing and gzip detection read the content, not only this)
    seeds: tuple[bytes, ...]
    line_format: str | None = None
    parse: Callable[[Path], int] | None = None  # reader-level check; returns pieces seen
    count: Callable[[bytes], int | None] | None = None  # independent record count of a decompressed input


READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    READERS[reader.name] = reader
    return reader


# -- independent record counts -------------------------------------------------------------------


def _decompressed(data: bytes) -> bytes | None:
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        return None  # damaged: the reader reports it, the count is not independent any more


def _lines(data: bytes) -> list[bytes]:
    body = _decompressed(data)
    if body is None:
        return []
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def count_nonblank_lines(data: bytes) -> int | None:
    """NDJSON events: one record per line with anything but whitespace on it (blank lines are skipped).
    Whitespace is what the reader's `^\\s*$` means: space, tab, CR, LF, FF; a line holding only a vertical
    tab or a Unicode space is a (malformed) record, read and quarantined."""
    if _decompressed(data) is None:
        return None
    return sum(1 for line in _lines(data) if line.strip(b" \t\r\n\f"))


def count_all_lines(data: bytes) -> int | None:
    """JSON-lines logs: every line is read (a blank one counted as ignored)."""
    if _decompressed(data) is None:
        return None
    return len(_lines(data))


# -- reader-level checks ---------------------------------------------------------------------------


def _parse_lines(path: Path) -> int:
    from models.sources.reader import iter_line_batches

    total = 0
    for batch in iter_line_batches(path, batch_lines=1000):
        assert len(batch.lines) == len(batch.line_nos) == len(batch.byte_offsets)
        total += len(batch.lines) + len(batch.rejects)
    return total


def _parse_ndjson(path: Path) -> int:
    from models.sources.reader import iter_arrow_line_batches

    total = 0
    for batch in iter_arrow_line_batches(path, batch_bytes=1 << 16, max_line_bytes=1 << 20):
        assert len(batch.lines) == len(batch.line_nos) == len(batch.byte_offsets)
        total += len(batch.lines) + len(batch.rejects)
    return total


def _parse_json_records(array: bool) -> Callable[[Path], int]:
    def parse(path: Path) -> int:
        from models.sources.jsonsplit import iter_json_records

        records = rejects = 0
        for batch in iter_json_records(path, array=array, block_bytes=1 << 12, max_record_bytes=1 << 20):
            assert len(batch.lines) == len(batch.line_nos) == len(batch.byte_offsets)
            records, rejects = records + len(batch.lines), rejects + len(batch.rejects)
        body = _decompressed(path.read_bytes())
        if array and body is not None:
            try:
                doc = json.loads(body)
            except (ValueError, RecursionError):
                doc = None
            if isinstance(doc, list) and not rejects and records != len(doc):
                raise Mismatch(f"a valid array of {len(doc)} elements split into {records} records")
        return records + rejects

    return parse


def _parse_envelope(path: Path) -> int:
    from models.sources.envelope import EnvelopeParser
    from models.sources.reader import TruncatedStream, iter_blocks

    parser, items = EnvelopeParser(), 0
    blocks = iter_blocks(path, 1 << 12)
    while True:
        try:
            block = next(blocks, None)
        except TruncatedStream:
            return items + 1
        got = parser.feed(block or b"", final=block is None)
        items += len(got.events) + sum(got.ignored.values()) + len(got.rejects)
        if block is None:
            return items


def _parse_text_log(path: Path) -> int:
    from models.sources.tracebacks import parse_traceback

    n = _parse_lines(path)
    text = path.read_bytes().decode("utf-8", "replace")
    for exc in parse_traceback(text):
        assert isinstance(exc.type, str)
    return n


def _parse_incidents(path: Path) -> int:
    from models.sources.incidents import _csv_rows, _json_rows, canonical_row, sniff_incident_format
    from models.sources.scrub import scrub_json

    body = _decompressed(path.read_bytes())
    if body is None:
        return 0
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return 1
    rows, rejects = (_csv_rows(text, False) if sniff_incident_format(text) == "csv" else _json_rows(text))
    for _, _, obj in rows:
        canonical_row(scrub_json(obj))
    return len(rows) + len(rejects)


# -- the readers ---------------------------------------------------------------------------------

_EVENT = {"event_id": "a" * 32, "timestamp": 1732428000.5, "level": "error", "platform": "python",
          "exception": {"values": [{"type": "KeyError", "value": "'price' for alice@example.com",
                                    "stacktrace": {"frames": [{"filename": "app.py", "lineno": 3, "function": "f",
                                                               "context_line": "x = d['price']", "in_app": True,
                                                               "vars": {"password": "hunter2-x"}}]}}]},
          "tags": {"service": "api"}, "extra": {"token": "t0k3n-abc"}}
_EV = json.dumps(_EVENT).encode()
_ENVELOPE = (b'{"event_id":"' + b"b" * 32 + b'","sent_at":"2026-11-24T05:59:41Z"}\n'
             + b'{"type":"event","length":' + str(len(_EV)).encode() + b"}\n" + _EV + b"\n"
             + b'{"type":"transaction"}\n{"spans":[]}\n')
_TRACEBACK = (b"Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in f\n    g()\n"
              b"ValueError: bad token=abc\n")

register(Reader("sentry_ndjson", "sentry", "ndjson", ".ndjson", (_EV + b"\n" + b'{"broken": \n',),
                parse=_parse_ndjson, count=count_nonblank_lines))
register(Reader("sentry_array", "sentry", "json_array", ".json", (b"[" + _EV + b", {}, 3]",),
                parse=_parse_json_records(array=True)))
register(Reader("sentry_event", "sentry", "json_event", ".json", (json.dumps(_EVENT, indent=2).encode(),),
                parse=_parse_json_records(array=False)))
register(Reader("sentry_envelope", "sentry", "envelope", ".envelope", (_ENVELOPE,), parse=_parse_envelope))
register(Reader("logs_jsonl", "logs", "jsonl", ".jsonl",
                (b'{"timestamp":"2026-11-24T05:59:41Z","level":"error","message":"boom","exc_info":"'
                 + _TRACEBACK.replace(b"\n", b"\\n").replace(b'"', b'\\"') + b'"}\n\n{bad\n',),
                parse=_parse_lines, count=count_all_lines))
register(Reader("logs_text", "logs", "text", ".log",
                (b"2026-11-24 05:59:41,123 ERROR api: request failed password=hunter2\n" + _TRACEBACK
                 + b"2026-11-24 05:59:42,000 INFO api: ok\n",), line_format=TEXT_FORMAT, parse=_parse_text_log))
register(Reader("incidents_csv", "incidents", "csv", ".csv",
                ((b"id,title,severity,created_at,resolved_at,summary\n"
                 b"INC-1,Checkout down,SEV1,2026-11-24 05:00,2026-11-24 06:00,\"token=abc, see alice@example.com\"\n"),),
                parse=_parse_incidents))
register(Reader("incidents_json", "incidents", "json", ".json",
                (b'{"incidents": [{"id": "P1", "title": "DB slow", "created_at": "2026-11-24T05:00:00Z",'
                 b' "service": {"name": "db"}, "trace_ids": ["' + b"c" * 32 + b'"]}]}',), parse=_parse_incidents))


# -- the checks ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    reader: str
    seconds: float
    refused: str | None = None  # IngestError message: the file as a whole was not ingested (clear error)
    counts: dict = field(default_factory=dict)


def _write(reader: Reader, data: bytes, workdir: Path, serial: int) -> Path:
    path = workdir / f"in{serial}{reader.suffix}"
    path.write_bytes(data)
    return path


def check_reader(reader: Reader, data: bytes, workdir: Path, serial: int = 0) -> Outcome:
    """The reader's own parsing of `data` (raises on a crash or a Mismatch)."""
    path = _write(reader, data, workdir, serial)
    started = time.perf_counter()
    try:
        pieces = reader.parse(path) if reader.parse else 0
    finally:
        path.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    if seconds > HANG_SECONDS:
        raise TimeoutError(f"{reader.name}: {seconds:.1f} s for {len(data)} bytes")
    return Outcome(reader.name, seconds, counts={"pieces": pieces})


_TABLES = {"sentry": "core.events", "logs": "core.log_records", "incidents": "core.incidents"}


def check_ingest(con, reader: Reader, data: bytes, workdir: Path, serial: int = 0) -> Outcome:
    """A real ingest of `data` as one file; raises Mismatch when the counts do not add up."""
    from models.sources.ingest import IngestError, ingest_file

    path = _write(reader, data, workdir, serial)
    started = time.perf_counter()
    try:
        report = ingest_file(con, path, reader.source, fmt=reader.fmt, line_format=reader.line_format)
    except IngestError as exc:
        return Outcome(reader.name, time.perf_counter() - started, refused=str(exc))
    finally:
        path.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    if seconds > HANG_SECONDS:
        raise TimeoutError(f"{reader.name}: {seconds:.1f} s for {len(data)} bytes")
    counts = {k: getattr(report, k) for k in ("read", "loaded", "duplicate", "ignored", "quarantined")}
    if counts["read"] != counts["loaded"] + counts["duplicate"] + counts["ignored"] + counts["quarantined"]:
        raise Mismatch(f"{reader.name}: {counts}")
    ledger = con.execute("SELECT records_read, records_loaded, records_duplicate, records_ignored, records_quarantined "
                         "FROM core.ingest_files WHERE file_id = ?", [report.file_id]).fetchone()
    if ledger is None or list(ledger) != [counts[k] for k in ("read", "loaded", "duplicate", "ignored", "quarantined")]:
        raise Mismatch(f"{reader.name}: ledger {ledger} != report {counts}")
    if not report.already_ingested:
        stored = con.execute(f"SELECT count(*) FROM {_TABLES[reader.source]} WHERE file_id = ?"
                             + (" AND origin = 'sentry'" if reader.source == "sentry" else ""),
                             [report.file_id]).fetchone()[0]
        quarantined = con.execute("SELECT count(*) FROM core.quarantine WHERE file_id = ?", [report.file_id]).fetchone()[0]
        if stored != counts["loaded"] or quarantined < counts["quarantined"]:
            raise Mismatch(f"{reader.name}: {stored} rows stored / {quarantined} quarantined for {counts}")
        expected = reader.count(data) if reader.count else None
        if expected is not None and expected != counts["read"]:
            raise Mismatch(f"{reader.name}: {expected} records in the input, {counts['read']} read")
    return Outcome(reader.name, seconds, counts=counts)
