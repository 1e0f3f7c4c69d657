"""Every Sentry format, including envelopes written by a real sentry-sdk, lands in events/exceptions/frames."""

import gzip
import json

from benchmarks.sources import template_event, write_ndjson_events, write_sdk_envelopes
from models.sources import ingest_path
from models.sources.sentry import sniff_format


def _one(con, path, **kw):
    (report,) = ingest_path(con, path, source="sentry", **kw)
    assert report.read == report.loaded + report.duplicate + report.ignored + report.quarantined
    return report


def test_single_pretty_event_keeps_chain_and_frames(warehouse, tmp_path):
    p = tmp_path / "event.json"
    p.write_text(json.dumps(template_event(), indent=2))
    r = _one(warehouse, p)
    assert (r.format, r.loaded) == ("json_event", 1)
    ev = warehouse.execute(
        "SELECT event_id, ts, level, release, environment, service, server_hash, exception_type, exception_value,"
        " trace_id, span_id, transaction_name, sdk_name, platform FROM events"
    ).fetchone()
    assert ev[0] == "64d91ebb493b425ca1d5bbe196670b77"
    assert str(ev[1]) == "2026-11-24 05:59:41.673761"
    assert ev[2:6] == ("error", "shop@1.4.2+3f2c9a1", "production", "orders-api")
    assert len(ev[6]) == 12 and ev[6] != "vm"
    assert ev[7] == "OrderNotFound" and ev[8] == "order 4711 not found for user <pii:email>"
    assert ev[9:] == ("6d8a7c2785c445b8aa8e328d2d55b9d8", "b26b71e29d7244f6", "POST /orders/lookup", "sentry.python", "python")
    chain = warehouse.execute("SELECT exception_index, is_main, type, handled FROM exceptions ORDER BY 1").fetchall()
    assert chain == [(0, False, "KeyError", True), (1, True, "OrderNotFound", True)]
    frames = warehouse.execute(
        "SELECT exception_index, frame_index, is_innermost, filename, abs_path, module, function, lineno,"
        " context_line, pre_context, post_context, in_app, vars ->> '$.order_id' FROM frames ORDER BY 1, 2"
    ).fetchall()
    assert len(frames) == 4
    last = frames[-1]
    assert last[:8] == (1, 2, True, "app/orders.py", "/srv/shopdemo/app/orders.py", "app.orders", "load_order", 12)
    assert "raise OrderNotFound" in last[8] and len(last[9]) == 5 and last[11] is True and last[12] == "4711"
    assert frames[1][2] is False


def test_array_ndjson_and_gzip(warehouse, tmp_path):
    nd = write_ndjson_events(tmp_path / "events.ndjson", 50, seed=3)
    arr = tmp_path / "export.json"
    arr.write_text(json.dumps([json.loads(line) for line in write_ndjson_events(tmp_path / "x", 7, seed=4).read_text().splitlines()]))
    gz = tmp_path / "more.data"  # gzip recognised by content
    gz.write_bytes(gzip.compress(write_ndjson_events(tmp_path / "y", 9, seed=5).read_bytes()))
    assert sniff_format(nd) == "ndjson" and sniff_format(arr) == "json_array" and sniff_format(gz) == "ndjson"
    assert _one(warehouse, nd).loaded == 50
    r = _one(warehouse, arr)
    assert (r.format, r.loaded) == ("json_array", 7)
    assert _one(warehouse, gz).loaded == 9
    assert warehouse.execute("SELECT count(*) FROM events").fetchone()[0] == 66
    assert warehouse.execute("SELECT count(*) FROM exceptions").fetchone()[0] == 132
    assert warehouse.execute("SELECT count(DISTINCT service) FROM events").fetchone()[0] > 1
    lines = warehouse.execute("SELECT min(line_no), max(line_no) FROM events WHERE file_id = ?", [r.file_id]).fetchone()
    assert lines[0] >= 1


def test_real_sdk_envelopes_concatenated(warehouse, tmp_path):
    p = write_sdk_envelopes(tmp_path / "app.envelope", 3, secrets=False)
    write_sdk_envelopes(p, 2, secrets=False)  # the transport appends: several envelopes in one file
    assert sniff_format(p) == "envelope"
    r = _one(warehouse, p)
    assert r.format == "envelope"
    assert r.loaded == 7  # 3 + 2 exceptions, 2 messages
    assert r.ignored_detail == {"transaction": 2} and r.ignored == 2
    rows = warehouse.execute(
        "SELECT exception_type, count(*), min(release), min(environment), min(service) FROM events GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert rows[0][0] == "LookupError" and rows[0][1] == 2 and rows[0][2:] == ("shop@1.4.2+3f2c9a1", "production", "orders-api")
    assert rows[1][0] == "ValueError" and rows[1][1] == 3
    msg = warehouse.execute("SELECT message, level FROM events WHERE exception_type IS NULL").fetchall()
    assert msg == [("payment gateway slow", "info")] * 2
    chain = warehouse.execute(
        "SELECT list(type ORDER BY exception_index) FROM exceptions x JOIN events e USING (event_id)"
        " WHERE e.exception_type = 'LookupError' GROUP BY event_id"
    ).fetchall()
    assert chain[0][0] == ["KeyError", "LookupError"]
    inner = warehouse.execute(
        "SELECT function, lineno > 0, in_app FROM frames f JOIN exceptions x USING (event_id, exception_index)"
        " WHERE x.type = 'ValueError' AND f.is_innermost"
    ).fetchall()
    assert inner and all(row == ("charge", True, True) for row in inner)
    assert warehouse.execute("SELECT count(*) FROM events WHERE trace_id IS NOT NULL").fetchone()[0] == 7


def test_epoch_timestamps_legacy_exception_list_and_missing_event_id(warehouse, tmp_path):
    p = tmp_path / "legacy.ndjson"
    a = {"timestamp": 1732428000.5, "exception": [{"type": "OSError", "value": "disk full"}], "tags": [["service", "w"], ["server_name", "h1"]]}
    b = {"timestamp": "1732428001", "message": {"formatted": "hello"}, "fingerprint": ["a", "b"]}
    p.write_text(json.dumps(a) + "\n" + json.dumps(b) + "\n")
    r = _one(warehouse, p)
    assert r.loaded == 2
    rows = warehouse.execute(
        "SELECT ts, exception_type, service, message, sdk_fingerprint, length(event_id), tags FROM events ORDER BY ts"
    ).fetchall()
    assert str(rows[0][0]) == "2024-11-24 06:00:00.500000" and rows[0][1] == "OSError" and rows[0][2] == "w"
    assert "h1" not in rows[0][6] and rows[0][5] == 32
    assert rows[1][3] == "hello" and rows[1][4] == ["a", "b"]
