"""JSON-lines logs: a real `logging` setup with a JSON formatter, structured-logger shapes, bad lines,
gzip, idempotent re-ingest and secrets."""

from __future__ import annotations

import gzip
import json
import logging
import shutil
import sys
import traceback
import uuid
from pathlib import Path

import pytest

from models.sources.ingest import ingest_path
from models.warehouse import connect

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples" / "logs"


class JsonFormatter(logging.Formatter):
    """What python-json-logger writes: asctime/levelname/name/message, extras, exc_info as text."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "asctime": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "levelname": record.levelname,
            "name": record.name,
            "message": record.getMessage(),
        }
        doc.update(getattr(record, "ctx", {}))
        if record.exc_info:
            doc["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(doc)


def _lookup(table: dict, key: str):
    return table[key]


def _write_real_log(path: Path) -> tuple[str, list[traceback.FrameSummary]]:
    """Log through a real logger into `path`; returns the logger name and the frames of the logged exception."""
    name = f"shop.orders.{uuid.uuid4().hex[:8]}"
    logger = logging.getLogger(name)
    logger.propagate = False
    handler = logging.FileHandler(path, encoding="utf-8")
    formatter = JsonFormatter()
    formatter.converter = __import__("time").gmtime
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info(
            "order %s placed by %s",
            17,
            "bob@example.com",
            extra={"ctx": {"order_id": 17, "release": "shop@2.0.1"}},
        )
        try:
            _lookup({}, "sku")
        except KeyError as exc:
            frames = traceback.extract_tb(exc.__traceback__)
            logger.exception(
                "order lookup failed", extra={"ctx": {"release": "shop@2.0.1", "environment": "prod"}}
            )
    finally:
        logger.removeHandler(handler)
        handler.close()
    return name, frames


def test_real_logging_json_with_traceback_becomes_linked_error_event(warehouse, tmp_path):
    path = tmp_path / "app.jsonl"
    logger_name, frames = _write_real_log(path)
    (report,) = ingest_path(warehouse, path, source="logs")
    assert (report.format, report.read, report.loaded, report.quarantined) == ("jsonl", 2, 2, 0)

    rows = warehouse.execute(
        "SELECT record_id, level, logger, message, exception_text, event_id, attributes->>'order_id', ts "
        "FROM core.log_records ORDER BY line_no"
    ).fetchall()
    info, error = rows
    assert info[1:4] == ("info", logger_name, "order 17 placed by <pii:email>")
    assert info[5] is None and info[6] == "17" and info[7] is not None
    assert error[1] == "error" and error[3] == "order lookup failed"
    assert error[4].startswith("Traceback (most recent call last):") and "KeyError: 'sku'" in error[4]

    event = warehouse.execute(
        "SELECT event_id, origin, exception_type, exception_value, log_record_id, logger, release, environment, level "
        "FROM core.events"
    ).fetchall()
    assert len(event) == 1
    event_id, origin, etype, evalue, record_id, elogger, release, env, level = event[0]
    assert (origin, etype, evalue, record_id) == ("log", "KeyError", "'sku'", error[0])
    assert event_id == error[5]
    assert (elogger, release, env, level) == (logger_name, "shop@2.0.1", "prod", "error")

    got = warehouse.execute(
        "SELECT function, lineno, abs_path, in_app, context_line, is_innermost FROM core.frames "
        "WHERE event_id = ? ORDER BY frame_index",
        [event_id],
    ).fetchall()
    assert [(g[0], g[1], g[2]) for g in got] == [(f.name, f.lineno, f.filename) for f in frames]
    assert got[-1][0] == "_lookup" and got[-1][4] == "return table[key]" and got[-1][5] is True
    assert all(g[3] for g in got)  # test files are app code (not site-packages / stdlib)


def test_structured_logger_shapes_are_mapped(warehouse):
    (report,) = ingest_path(warehouse, SAMPLES / "app_structured.jsonl", source="logs")
    assert report.loaded == 5 and report.quarantined == 0
    rows = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "SELECT message, strftime(ts, '%Y-%m-%d %H:%M:%S.%f'), level, logger, service, trace_id, attributes "
            "FROM core.log_records"
        ).fetchall()
    }
    # pino: epoch ms and numeric level
    assert rows["pino: upstream slow"][:2] == ("2025-10-02 10:13:20.123000", "warning")  # pino 40 = warn
    assert json.loads(rows["pino: upstream slow"][5]) == {"pid": 42, "hostname": "web-1"}
    # structlog: ISO time with offset -> UTC, WARN -> warning, OTel-style dotted service, camelCase trace id
    assert rows["structlog: cache miss"][:5] == (
        "2025-10-02 08:13:21.500000",
        "warning",
        "cache",
        "api",
        "5bd66ef5095369c7b0d1f8f4bd33716a",
    )
    # OpenTelemetry-ish: ns epoch, body, severityText, nested resource service
    assert rows["otel: db pool exhausted"][:4] == ("2025-10-02 10:13:20.123456", "error", None, "orders")
    # python-json-logger: service/release fields, trace id among the extras, the rest in attributes
    placed = rows["order placed"]
    assert placed[2:5] == ("shop.payments", "shop", "0af7651916cd43dd8448eb211c80319c")
    assert json.loads(placed[5]) == {
        "release": "shop@1.4.2",
        "environment": "prod",
        "order_id": 17,
        "user": "<pii:email>",
    }
    # the logged exception became an event with its chain, cause first
    chain = warehouse.execute(
        "SELECT x.type, x.is_main FROM core.exceptions x JOIN core.events e USING (event_id) "
        "WHERE e.origin = 'log' ORDER BY x.exception_index"
    ).fetchall()
    assert chain == [("TimeoutError", False), ("GatewayError", True)]
    module = warehouse.execute(
        "SELECT module, filename FROM core.frames WHERE abs_path = '/app/shop/payments.py' LIMIT 1"
    ).fetchone()
    assert module == ("shop.payments", "shop/payments.py")


def test_bad_json_lines_are_quarantined_and_counts_add_up(warehouse):
    (report,) = ingest_path(warehouse, SAMPLES / "broken_structured.jsonl", source="logs")
    assert (report.read, report.loaded, report.ignored, report.quarantined) == (8, 2, 1, 5)
    assert report.read == report.loaded + report.duplicate + report.ignored + report.quarantined
    reasons = warehouse.execute("SELECT line_no, reason FROM core.quarantine ORDER BY line_no").fetchall()
    assert reasons == [
        (2, "malformed_json"),
        (3, "not_an_object"),
        (4, "not_an_object"),
        (5, "missing_field"),
        (6, "wrong_type"),
    ]
    ledger = warehouse.execute(
        "SELECT records_read, records_loaded, records_ignored, records_quarantined FROM core.ingest_files"
    ).fetchone()
    assert ledger == (8, 2, 1, 5)


def test_gzip_and_truncated_gzip(warehouse, tmp_path):
    gz = tmp_path / "app.jsonl.gz"
    gz.write_bytes(gzip.compress((SAMPLES / "app_structured.jsonl").read_bytes()))
    (report,) = ingest_path(warehouse, gz, source="logs")
    assert (report.loaded, report.quarantined) == (5, 0)

    (trunc,) = ingest_path(warehouse, SAMPLES / "truncated_structured.jsonl.gz", source="logs")
    reasons = dict(warehouse.execute("SELECT reason, count(*) FROM core.quarantine GROUP BY ALL").fetchall())
    assert reasons.get("truncated_gzip") == 1
    # the sample is app_structured.jsonl three times over, cut inside the gzip stream: the whole lines
    # before the damage load (here duplicates of the gzip above), the cut line is quarantined
    assert trunc.duplicate >= 1 and trunc.quarantined == 1
    assert trunc.read == trunc.loaded + trunc.duplicate + trunc.ignored + trunc.quarantined
    assert warehouse.execute("SELECT count(*) FROM core.log_records").fetchone()[0] == 5 + trunc.loaded


def test_reingest_is_idempotent_and_overlapping_files_do_not_duplicate(warehouse, tmp_path):
    src = SAMPLES / "app_structured.jsonl"
    first = ingest_path(warehouse, src, source="logs")[0]
    again = ingest_path(warehouse, src, source="logs")[0]
    assert first.loaded == 5 and again.already_ingested and again.loaded == 5  # ledger counts, nothing new
    bigger = tmp_path / "renamed.jsonl"
    shutil.copy(src, bigger)
    with open(bigger, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"ts": 1759400099, "msg": "one more"}) + "\n")
    third = ingest_path(warehouse, bigger, source="logs")[0]
    assert (third.loaded, third.duplicate) == (1, 5)
    counts = warehouse.execute(
        "SELECT (SELECT count(*) FROM core.log_records), (SELECT count(*) FROM core.events), "
        "(SELECT count(*) FROM core.log_records WHERE event_id IS NOT NULL)"
    ).fetchone()
    assert counts == (6, 1, 1)


SECRETS = {
    "password": "hunter2-Very-Secret",
    "api_key": "sk_live_51HqLyjWDarjtT1zdp7dc",
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "email": "carol.secret@example.org",
    "bearer": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
}


def test_planted_secrets_never_reach_the_warehouse_file(warehouse_path, tmp_path):
    path = tmp_path / "secrets.jsonl"
    lines = [
        {"ts": 1759400000, "msg": f"login ok password={SECRETS['password']}", "user_email": SECRETS["email"]},
        {
            "ts": 1759400001,
            "msg": "calling api",
            "headers": {"Authorization": f"Bearer {SECRETS['bearer']}"},
            "password": SECRETS["password"],
        },
        {
            "ts": 1759400002,
            "msg": "boom",
            "exc_info": "Traceback (most recent call last):\n"
            '  File "/app/x.py", line 3, in f\n    client = Client(key)\n'
            f"ValueError: bad key {SECRETS['api_key']} for {SECRETS['aws']}",
        },
        f'{{"ts": 1759400003, "msg": "cut off api_key={SECRETS["api_key"]}',  # malformed: goes to quarantine
    ]
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8"
    )
    con = connect(warehouse_path)
    (report,) = ingest_path(con, path, source="logs")
    assert (report.loaded, report.quarantined) == (3, 1)
    dump = "\n".join(
        str(row)
        for table in ("log_records", "events", "exceptions", "frames", "quarantine")
        for row in con.execute(f"SELECT CAST(t AS VARCHAR) FROM core.{table} t").fetchall()
    )
    assert "<secret:password>" in dump and "<pii:email>" in dump
    con.execute("CHECKPOINT")
    con.close()
    raw = warehouse_path.read_bytes()
    for name, secret in SECRETS.items():
        assert secret not in dump, name
        assert secret.encode() not in raw, name


def test_plain_text_file_without_line_format_is_a_clear_error(warehouse):
    from models.sources.ingest import IngestError

    with pytest.raises(IngestError, match="line format"):
        ingest_path(warehouse, SAMPLES / "app_python.log", source="logs")
    assert warehouse.execute("SELECT count(*) FROM core.ingest_files").fetchone()[0] == 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


def test_small_batches_give_the_same_records(tmp_path):
    from models.sources.ledger import file_load
    from models.sources.logs import load_log_file

    path = tmp_path / "mixed.jsonl"
    body = (SAMPLES / "broken_structured.jsonl").read_text() + (SAMPLES / "app_structured.jsonl").read_text()
    path.write_text(body * 2, encoding="utf-8")  # identical lines repeat across batches
    results = []
    for batch_lines in (1_000_000, 3):
        con = connect(tmp_path / f"w{batch_lines}.duckdb")
        with file_load(con, path, "logs") as load:
            load_log_file(con, load, path, "jsonl", batch_lines=batch_lines)
        rows = set(
            con.execute("SELECT record_id, line_no, message, event_id FROM core.log_records").fetchall()
        )
        results.append((rows, load.report.loaded, load.report.quarantined, load.report.ignored))
        con.close()
    assert results[0] == results[1]
    assert results[0][1:] == (14, 10, 2) and len({r[0] for r in results[0][0]}) == 14


def test_overlong_line_is_quarantined_and_neighbours_load(warehouse, tmp_path):
    path = tmp_path / "long.jsonl"
    huge = json.dumps({"ts": 1759400000, "msg": "x" * 1_200_000})
    path.write_text(
        json.dumps({"ts": 1759400001, "msg": "before"})
        + "\n"
        + huge
        + "\n"
        + json.dumps({"ts": 1759400002, "msg": "after"})
        + "\n"
    )
    (report,) = ingest_path(warehouse, path, source="logs")
    assert (report.read, report.loaded, report.quarantined) == (3, 2, 1)
    assert warehouse.execute("SELECT line_no, reason FROM core.quarantine").fetchall() == [
        (2, "line_too_long")
    ]
    assert [
        r[0] for r in warehouse.execute("SELECT message FROM core.log_records ORDER BY line_no").fetchall()
    ] == ["before", "after"]
