"""Every bad-input kind lands in quarantine, and loaded + duplicate + ignored + quarantined = read."""

import gzip
import json

from benchmarks.sources import write_ndjson_events
from models.sources import ingest_path


def _reasons(con, file_id):
    return dict(con.execute(
        "SELECT reason, count(*) FROM quarantine WHERE file_id = ? GROUP BY 1", [file_id]
    ).fetchall())


def _check_ledger(con, r):
    row = con.execute(
        "SELECT records_read, records_loaded, records_duplicate, records_ignored, records_quarantined"
        " FROM ingest_files WHERE file_id = ?", [r.file_id]
    ).fetchone()
    assert row == (r.read, r.loaded, r.duplicate, r.ignored, r.quarantined)
    assert row[0] == sum(row[1:])
    assert con.execute("SELECT count(*) FROM quarantine WHERE file_id = ?", [r.file_id]).fetchone()[0] == r.quarantined


def test_each_bad_record_kind(warehouse, tmp_path):
    good = write_ndjson_events(tmp_path / "g.ndjson", 3, seed=11).read_text().splitlines()
    lines = [
        good[0].encode(),
        b'{"event_id": "aa", "exception": ',  # malformed_json
        b"[1, 2, 3]",  # not_an_object
        b'{"event_id": "0123456789abcdef0123456789abcdef", "level": "error"}',  # missing_field
        b'{"event_id": "1123456789abcdef0123456789abcdef", "timestamp": true, "message": "x"}',  # wrong_type
        b'{"event_id": "2123456789abcdef0123456789abcdef", "timestamp": "yesterday", "message": "x"}',  # wrong_type
        b'{"event_id": "3123456789abcdef0123456789abcdef", "message": "x", "exception": "boom"}',  # wrong_type
        b'{"message": "deep", "extra": ' + b'{"a": ' * 200 + b"1" + b"}" * 200 + b"}",  # too_deep
        b'{"message": "caf\xe9 \xff"}',  # invalid_utf8
        b'{"message": "' + b"x" * 1_100_000 + b'"}',  # line_too_long
        good[1].encode(),
        b"",
        good[2].encode(),
    ]
    p = tmp_path / "bad.ndjson"
    p.write_bytes(b"\n".join(lines) + b"\n")
    (r,) = ingest_path(warehouse, p, source="sentry")
    assert (r.read, r.loaded, r.quarantined) == (12, 3, 9)
    assert _reasons(warehouse, r.file_id) == {
        "malformed_json": 1, "not_an_object": 1, "missing_field": 1, "wrong_type": 3, "too_deep": 1,
        "invalid_utf8": 1, "line_too_long": 1,
    }
    where = dict(warehouse.execute("SELECT line_no, reason FROM quarantine").fetchall())
    assert where[2] == "malformed_json" and where[8] == "too_deep" and where[10] == "line_too_long"
    detail = warehouse.execute("SELECT detail FROM quarantine WHERE line_no = 7").fetchone()[0]
    assert "exception is VARCHAR" in detail
    _check_ledger(warehouse, r)


def test_truncated_gzip_loads_what_came_before(warehouse, tmp_path):
    raw = write_ndjson_events(tmp_path / "e.ndjson", 400, seed=12).read_bytes()
    blob = gzip.compress(raw)
    p = tmp_path / "cut.ndjson.gz"
    p.write_bytes(blob[: int(len(blob) * 0.6)])
    (r,) = ingest_path(warehouse, p, source="sentry")
    assert 0 < r.loaded < 400 and r.quarantined == 1
    assert _reasons(warehouse, r.file_id) == {"truncated_gzip": 1}
    _check_ledger(warehouse, r)


def test_broken_envelope_and_array(warehouse, tmp_path):
    event = json.loads(write_ndjson_events(tmp_path / "e", 1, seed=13).read_text())
    payload = json.dumps(event).encode()
    env = (
        b'{"event_id": "' + event["event_id"].encode() + b'"}\n'
        + b'{"type": "event", "length": ' + str(len(payload)).encode() + b"}\n" + payload + b"\n"
        + b'{"type": "session"}\n{"sid": "x"}\n'
        + b'{"type": "client_report"}\n{"discarded_events": []}\n'
        + b"this is not a header\n"
        + b'{"type": "event", "length": 99999}\n{"cut": '
    )
    p = tmp_path / "broken.envelope"
    p.write_bytes(env)
    (r,) = ingest_path(warehouse, p, source="sentry", fmt="envelope")
    assert (r.loaded, r.ignored, r.quarantined) == (1, 2, 2)
    assert r.ignored_detail == {"client_report": 1, "session": 1}
    assert _reasons(warehouse, r.file_id) == {"bad_envelope": 2}
    _check_ledger(warehouse, r)

    arr = tmp_path / "export.json"
    arr.write_text('[{"message": "a"}, 5, {"message": "b"}, {"message": ')
    (r2,) = ingest_path(warehouse, arr, source="sentry")
    assert (r2.format, r2.loaded, r2.quarantined) == ("json_array", 2, 2)
    assert _reasons(warehouse, r2.file_id) == {"not_an_object": 1, "malformed_json": 1}
    _check_ledger(warehouse, r2)
