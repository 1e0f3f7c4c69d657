"""Plain-text logs with a Loghub line format: Loghub-2k systems line for line, multi-line Python
tracebacks, headerless lines, gzip / truncated gzip, overlapping files and secrets."""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import pytest

from models.sources.ingest import ingest_path
from models.sources.scrub import scrub_text

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples" / "logs"
PYTHON_FORMAT = "<Date> <Time> <Level> <Component>: <Content>"  # logging "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOGHUB = {
    "HDFS": "<Date> <Time> <Pid> <Level> <Component>: <Content>",
    "Zookeeper": "<Date> <Time> - <Level>  [<Node>:<Component>@<Id>] - <Content>",
    "Linux": r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
    "OpenSSH": r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>",
}


@pytest.mark.parametrize("system", sorted(LOGHUB))
def test_loghub_every_line_is_a_record_with_its_content(warehouse, tmp_path, shared_datasets, system):
    src = shared_datasets / "loghub-2k" / system / f"{system}_2k.log"
    assert src.exists(), f"{src} missing from the shared datasets"
    log = tmp_path / src.name
    shutil.copy(src, log)
    (report,) = ingest_path(
        warehouse, log, source="logs", fmt="text", line_format=LOGHUB[system], service=system.lower()
    )
    assert (report.read, report.loaded, report.quarantined) == (2000, 2000, 0)
    with open(f"{src}_structured.csv", encoding="utf-8", newline="") as fh:
        expected = {int(r["LineId"]): r for r in csv.DictReader(fh)}
    got = warehouse.execute(
        "SELECT line_no, message, logger, line_count, ts IS NOT NULL, service FROM core.log_records"
    ).fetchall()
    assert len(got) == 2000
    for line_no, message, logger, line_count, has_ts, service in got:
        row = expected[line_no]
        assert message == scrub_text(row["Content"]), line_no
        assert logger == row["Component"], line_no
        assert line_count == 1 and has_ts and service == system.lower()


def test_python_logging_text_with_chained_tracebacks(warehouse):
    (report,) = ingest_path(
        warehouse,
        SAMPLES / "app_python.log",
        source="logs",
        fmt="text",
        line_format=PYTHON_FORMAT,
        service="shop",
    )
    assert (report.read, report.loaded, report.quarantined) == (6, 6, 0)
    rows = warehouse.execute(
        "SELECT line_no, line_count, level, logger, message, trace_id, event_id IS NOT NULL, service, "
        "strftime(ts, '%Y-%m-%d %H:%M:%S.%f') FROM core.log_records ORDER BY line_no"
    ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (1, 1, "INFO"),
        (2, 1, "INFO"),
        (3, 17, "ERROR"),
        (20, 1, "WARNING"),
        (21, 16, "ERROR"),
        (37, 1, "INFO"),
    ]
    assert rows[0][4] == "charging order 17 for <pii:email> token=<secret:password>"
    assert rows[1][5] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert [r[6] for r in rows] == [False, False, True, False, True, False]
    assert {r[7] for r in rows} == {"shop"} and rows[0][3] == "shop.payments"
    assert rows[0][8] == "2026-11-24 07:00:01.462000"

    chains = warehouse.execute(
        "SELECT r.line_no, list(x.type ORDER BY x.exception_index), list(x.is_main ORDER BY x.exception_index), "
        "any_value(e.service), any_value(e.origin) "
        "FROM core.log_records r JOIN core.events e ON e.event_id = r.event_id AND e.log_record_id = r.record_id "
        "JOIN core.exceptions x ON x.event_id = e.event_id GROUP BY r.line_no ORDER BY r.line_no"
    ).fetchall()
    assert chains == [
        (3, ["TimeoutError", "GatewayError"], [False, True], "shop", "log"),
        (21, ["KeyError", "ValueError"], [False, True], "shop", "log"),
    ]
    frames = warehouse.execute(
        "SELECT f.exception_index, f.frame_index, f.function, f.lineno, f.filename, f.module, f.in_app, f.context_line "
        "FROM core.frames f JOIN core.log_records r ON r.event_id = f.event_id WHERE r.line_no = 3 "
        "ORDER BY f.exception_index, f.frame_index"
    ).fetchall()
    assert frames == [
        (0, 0, "charge", 17, "shop/payments.py", "shop.payments", True, "return call_gateway(amount)"),
        (
            0,
            1,
            "call_gateway",
            12,
            "shop/payments.py",
            "shop.payments",
            True,
            'raise TimeoutError(f"gateway timed out after 30s for amount {amount}")',
        ),
        (1, 0, "text_log", 16, "shop/jobs.py", "shop.jobs", True, "sp.charge(12)"),
        (
            1,
            1,
            "charge",
            19,
            "shop/payments.py",
            "shop.payments",
            True,
            'raise GatewayError("charge failed") from exc',
        ),
    ]
    main = warehouse.execute(
        "SELECT e.exception_type, e.exception_value, x.module FROM core.events e JOIN core.exceptions x "
        "ON x.event_id = e.event_id AND x.is_main JOIN core.log_records r ON r.event_id = e.event_id WHERE r.line_no = 3"
    ).fetchone()
    assert main == ("GatewayError", "charge failed", "shop_payments")


def test_gzip_copy_is_read_and_adds_no_duplicates(warehouse):
    kwargs = {"source": "logs", "fmt": "text", "line_format": PYTHON_FORMAT, "service": "shop"}
    (plain,) = ingest_path(warehouse, SAMPLES / "app_python.log", **kwargs)
    (gz,) = ingest_path(warehouse, SAMPLES / "app_python_copy.log.gz", **kwargs)
    assert (plain.loaded, gz.loaded, gz.duplicate, gz.quarantined) == (6, 0, 6, 0)
    assert warehouse.execute("SELECT count(*) FROM core.events").fetchone()[0] == 2
    assert warehouse.execute("SELECT count(*) FROM core.ingest_files").fetchone()[0] == 2


def test_truncated_gzip_keeps_lines_before_the_damage(warehouse, tmp_path):
    data = (SAMPLES / "app_python.log").read_bytes() * 20
    packed = gzip.compress(data)
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    (report,) = ingest_path(warehouse, cut, source="logs", fmt="text", line_format=PYTHON_FORMAT)
    reasons = warehouse.execute("SELECT reason, count(*) FROM core.quarantine GROUP BY ALL").fetchall()
    assert reasons == [("truncated_gzip", 1)]
    assert report.loaded >= 1 and report.quarantined == 1
    assert report.read == report.loaded + report.duplicate + report.ignored + report.quarantined


def test_headerless_lines_and_bad_bytes_are_quarantined(warehouse):
    (report,) = ingest_path(
        warehouse, SAMPLES / "broken_python.log", source="logs", fmt="text", line_format=PYTHON_FORMAT
    )
    assert (report.read, report.loaded, report.ignored, report.quarantined) == (8, 4, 1, 3)
    assert report.ignored_detail == {"blank_line": 1}
    got = warehouse.execute("SELECT line_no, reason FROM core.quarantine ORDER BY line_no").fetchall()
    assert got == [(1, "no_record_header"), (2, "no_record_header"), (7, "invalid_utf8")]
    # the line after the bad one still continues the ERROR record above it
    text = warehouse.execute("SELECT exception_text FROM core.log_records WHERE line_no = 6").fetchone()[0]
    assert text.startswith("ValueError: invalid literal")
    ledger = warehouse.execute(
        "SELECT records_read, records_loaded, records_ignored, records_quarantined FROM core.ingest_files"
    ).fetchone()
    assert ledger == (8, 4, 1, 3)


def test_overlapping_renamed_files_do_not_duplicate_records(warehouse, tmp_path, shared_datasets):
    src = shared_datasets / "loghub-2k" / "HDFS" / "HDFS_2k.log"
    assert src.exists(), f"{src} missing from the shared datasets"
    lines = src.read_bytes().splitlines(keepends=True)
    (tmp_path / "part1.log").write_bytes(b"".join(lines[:1200]))
    (tmp_path / "part2-rotated.log").write_bytes(b"".join(lines[800:]))
    kwargs = {"source": "logs", "fmt": "text", "line_format": LOGHUB["HDFS"]}
    (a,) = ingest_path(warehouse, tmp_path / "part1.log", **kwargs)
    (b,) = ingest_path(warehouse, tmp_path / "part2-rotated.log", **kwargs)
    assert (a.loaded, b.loaded, b.duplicate) == (1200, 800, 400)
    assert warehouse.execute(
        "SELECT count(*), count(DISTINCT record_id) FROM core.log_records"
    ).fetchone() == (2000, 2000)
    (again,) = ingest_path(warehouse, tmp_path / "part1.log", **kwargs)
    assert again.already_ingested


def test_secrets_in_text_log_lines_are_scrubbed(warehouse_path, tmp_path):
    from models.warehouse import connect

    secret_pw, secret_key, secret_mail = (
        "Tr0ub4dor&3-xyz",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "dave.ops@example.com",
    )
    log = tmp_path / "secrets.log"
    log.write_text(
        f"2026-01-02 03:04:05,000 ERROR app.db: connect postgres://admin:{secret_pw}@db:5432/app failed\n"
        "Traceback (most recent call last):\n"
        '  File "/app/app/db.py", line 9, in connect\n'
        "    conn = driver.connect(dsn)\n"
        f"ConnectionError: auth failed for {secret_mail} with token={secret_key}\n"
        f"2026-01-02 03:04:06,000 INFO app.db: retry password={secret_pw}\n",
        encoding="utf-8",
    )
    con = connect(warehouse_path)
    (report,) = ingest_path(con, log, source="logs", fmt="text", line_format=PYTHON_FORMAT)
    assert report.loaded == 2
    assert con.execute("SELECT count(*) FROM core.events").fetchone()[0] == 1
    dump = "\n".join(
        str(r)
        for t in ("log_records", "events", "exceptions", "frames")
        for r in con.execute(f"SELECT CAST(x AS VARCHAR) FROM core.{t} x").fetchall()
    )
    con.execute("CHECKPOINT")
    con.close()
    raw = warehouse_path.read_bytes()
    for secret in (secret_pw, secret_key, secret_mail):
        assert secret not in dump and secret.encode() not in raw


def _load_with_batches(path: Path, warehouse_path: Path, batch_lines: int, **kwargs) -> tuple[set, tuple]:
    from models.sources.ledger import file_load
    from models.sources.logs import load_log_file
    from models.warehouse import connect

    con = connect(warehouse_path)
    try:
        with file_load(con, path, "logs") as load:
            load_log_file(con, load, path, batch_lines=batch_lines, **kwargs)
        rows = con.execute(
            "SELECT record_id, line_no, line_count, message, exception_text, event_id FROM core.log_records"
        ).fetchall()
        r = load.report
        return set(rows), (r.read, r.loaded, r.duplicate, r.ignored, r.quarantined)
    finally:
        con.close()


def test_chunk_boundaries_do_not_change_records(tmp_path):
    """Records that straddle reader batches (tracebacks), headerless lines and identical records
    repeated across batches come out the same whatever the batch size."""
    log = tmp_path / "mixed.log"
    app = (SAMPLES / "app_python.log").read_text(encoding="utf-8")
    repeated = "2026-11-24 07:00:09,000 INFO shop.payments: heartbeat\n"
    log.write_text("preamble without header\n\n" + app + repeated * 3 + app + repeated, encoding="utf-8")
    kwargs = {"fmt": "text", "line_format": PYTHON_FORMAT, "service": "shop"}
    whole, whole_counts = _load_with_batches(log, tmp_path / "whole.duckdb", 1_000_000, **kwargs)
    # identical records within one file are separate occurrences: all 16 load
    assert whole_counts == (6 + 3 + 6 + 1 + 2, 16, 0, 1, 1)
    assert len({r[0] for r in whole}) == 16 and sum(r[5] is not None for r in whole) == 4
    for batch_lines in (2, 3, 7):
        got, counts = _load_with_batches(log, tmp_path / f"b{batch_lines}.duckdb", batch_lines, **kwargs)
        assert counts == whole_counts and got == whole, batch_lines


def test_exception_group_in_a_log_keeps_every_sub_exception_linked_to_its_group(warehouse, tmp_path):
    """A logged ExceptionGroup (as asyncio.TaskGroup raises), printed by Python's traceback module: the group is the main
    exception, its sub-exceptions are stored too, each with its frames and its group's id."""
    import traceback

    def charge():
        raise ValueError("card declined")

    def reserve():
        raise TimeoutError("stock service timed out")

    errors = []
    for call in (charge, reserve):
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - collected into the group, as TaskGroup does
            errors.append(exc)
    try:
        raise ExceptionGroup("checkout failed", errors)
    except ExceptionGroup:
        text = "2026-02-01 10:00:00,123 ERROR shop.checkout: checkout failed\n" + traceback.format_exc()
    path = tmp_path / "app.log"
    path.write_text("2026-02-01 09:59:59,001 INFO shop.checkout: start\n" + text)
    (report,) = ingest_path(warehouse, path, source="logs", fmt="text", line_format=PYTHON_FORMAT)
    assert (report.loaded, report.quarantined) == (2, 0)
    (event_id, etype, evalue), = warehouse.execute(
        "SELECT event_id, exception_type, exception_value FROM core.events").fetchall()
    assert (etype, evalue) == ("ExceptionGroup", "checkout failed (2 sub-exceptions)")
    rows = warehouse.execute(
        "SELECT type, value, is_main, exception_id, parent_id FROM core.exceptions WHERE event_id = ? "
        "ORDER BY exception_index", [event_id]).fetchall()
    assert rows == [("ValueError", "card declined", False, 1, 0),
                    ("TimeoutError", "stock service timed out", False, 2, 0),
                    ("ExceptionGroup", "checkout failed (2 sub-exceptions)", True, 0, None)]
    innermost = warehouse.execute(
        "SELECT e.type, f.function FROM core.frames f JOIN core.exceptions e USING (event_id, exception_index) "
        "WHERE f.event_id = ? AND f.is_innermost ORDER BY f.exception_index", [event_id]).fetchall()
    assert innermost == [("ValueError", "charge"), ("TimeoutError", "reserve"),
                         ("ExceptionGroup", "test_exception_group_in_a_log_keeps_every_sub_exception_linked_to_its_group")]
