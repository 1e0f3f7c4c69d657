"""Sentry's REST API event shape (`entries[]`, `dateCreated`, `release` object, camelCase frames) loads
with its exception chain and frames; an event that would load empty is quarantined with a reason."""

from __future__ import annotations

import json

from models.sources.ingest import ingest_path

REST_EVENT = {
    "id": "9999aaafcc8b46d797c23c6077c6ff01",
    "eventID": "9999aaaaca8b46d797c23c6077c6ff01",
    "groupID": "1341191803",
    "title": "ValueError: price missing",
    "message": "",
    "platform": "python",
    "type": "error",
    "dateCreated": "2026-06-17T22:26:56.098086Z",
    "dateReceived": "2026-06-17T22:26:56.428721Z",
    "release": {"version": "shop@1.4.2", "shortVersion": "1.4.2", "dateCreated": "2026-06-01T00:00:00Z"},
    "tags": [{"key": "environment", "value": "prod"}, {"key": "level", "value": "error"},
             {"key": "service", "value": "checkout"}, {"key": "server_name", "value": "web-7.internal"}],
    "user": {"id": "550747", "email": "someone@example.org", "ip_address": "192.168.1.1"},
    "contexts": {"runtime": {"name": "CPython", "version": "3.12.1"}},
    "context": {"order_id": 42, "card": "4539 1488 0343 6467"},  # Luhn-valid, not a published test card
    "sdk": {"name": "sentry.python", "version": "2.19.0"},
    "entries": [
        {"type": "exception", "data": {"hasSystemFrames": True, "excOmitted": None, "values": [
            {"type": "KeyError", "value": "'price'", "module": None, "mechanism": {"type": "generic", "handled": True},
             "stacktrace": {"framesOmitted": None, "hasSystemFrames": True, "frames": [
                 {"filename": "shop/pricing.py", "absPath": "/app/shop/pricing.py", "module": "shop.pricing",
                  "function": "unit_price", "lineNo": 18, "colNo": None, "inApp": True,
                  "context": [[17, "def unit_price(item):"], [18, "    return item['price']"], [19, ""]],
                  "vars": {"item": "{'cost': None}"}},
             ]}},
            {"type": "ValueError", "value": "price missing", "module": "builtins",
             "mechanism": {"type": "chained", "handled": True},
             "stacktrace": {"frames": [
                 {"filename": "shop/api.py", "absPath": "/app/shop/api.py", "module": "shop.api",
                  "function": "checkout", "lineNo": 40, "inApp": True,
                  "context": [[39, "try:"], [40, "    total = unit_price(item)"], [41, "except KeyError:"]]},
                 {"filename": "shop/api.py", "absPath": "/app/shop/api.py", "module": "shop.api",
                  "function": "checkout", "lineNo": 42, "inApp": True, "context": []},
             ]}},
        ]}},
        {"type": "breadcrumbs", "data": {"values": [
            {"category": "http", "message": "GET /cart token=abcdef123456", "level": "info",
             "timestamp": "2026-06-17T22:26:55Z", "type": "default"}]}},
        {"type": "request", "data": {"url": "https://shop.example/checkout", "method": "POST",
                                     "headers": [["Authorization", "Bearer abcdefghijklmnop"]]}},
    ],
}

REST_MESSAGE = {
    "eventID": "8888aaaaca8b46d797c23c6077c6ff02", "dateCreated": "2026-06-18T10:00:00Z", "message": "",
    "release": None, "tags": [], "entries": [{"type": "message", "data": {"formatted": "queue stalled for 30s"}}],
}
REST_EMPTY = {
    "eventID": "7777aaaaca8b46d797c23c6077c6ff03", "dateCreated": "2026-06-18T10:00:00Z", "message": "",
    "entries": [{"type": "request", "data": {"url": "https://shop.example/"}}],
}
INGEST_EMPTY = [
    {"event_id": "6666aaaaca8b46d797c23c6077c6ff04", "exception": {"values": []}, "message": ""},
    {"event_id": "5555aaaaca8b46d797c23c6077c6ff05", "message": "   "},
    {"event_id": "4444aaaaca8b46d797c23c6077c6ff06", "exception": {"values": [{}]}, "logentry": {}},
]
GOOD = {"event_id": "3333aaaaca8b46d797c23c6077c6ff07", "message": "plain and fine", "timestamp": 1781000000}


def test_rest_shape_loads_and_empty_events_are_quarantined(warehouse, tmp_path):
    path = tmp_path / "export.ndjson"
    records = [REST_EVENT, GOOD, REST_EMPTY, *INGEST_EMPTY, REST_MESSAGE]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    (report,) = ingest_path(warehouse, path, source="sentry")
    assert (report.read, report.loaded, report.quarantined) == (7, 3, 4)

    row = warehouse.execute(
        "SELECT ts, release, environment, level, service, exception_type, exception_value, sdk_name, "
        "breadcrumbs, extra, tags, server_hash FROM core.events WHERE event_id = ?", [REST_EVENT["eventID"]]
    ).fetchone()
    ts, release, env, level, service, exc_type, exc_value, sdk, crumbs, extra, tags, server_hash = row
    assert str(ts).startswith("2026-06-17 22:26:56") and release == "shop@1.4.2" and env == "prod"
    assert level == "error" and service == "checkout" and exc_type == "ValueError" and exc_value == "price missing"
    assert sdk == "sentry.python" and "GET /cart" in crumbs and "abcdef123456" not in crumbs
    assert "4539" not in extra and "<pii:card>" in extra and "web-7" not in tags and server_hash
    chain = warehouse.execute(
        "SELECT exception_index, type, is_main FROM core.exceptions WHERE event_id = ? ORDER BY 1",
        [REST_EVENT["eventID"]]).fetchall()
    assert chain == [(0, "KeyError", False), (1, "ValueError", True)]
    frames = warehouse.execute(
        "SELECT exception_index, frame_index, abs_path, lineno, in_app, context_line, pre_context, post_context, "
        "is_innermost FROM core.frames WHERE event_id = ? ORDER BY 1, 2", [REST_EVENT["eventID"]]).fetchall()
    assert frames[0] == (0, 0, "/app/shop/pricing.py", 18, True, "    return item['price']",
                         ["def unit_price(item):"], [""], True)
    assert [f[3] for f in frames] == [18, 40, 42] and frames[1][5] == "    total = unit_price(item)"
    message = warehouse.execute("SELECT message FROM core.events WHERE event_id = ?", [REST_MESSAGE["eventID"]]).fetchone()
    assert message == ("queue stalled for 30s",)

    rejects = warehouse.execute("SELECT line_no, reason, detail FROM core.quarantine ORDER BY line_no").fetchall()
    # the REST event with only a request entry has nothing left once rewritten: missing_field
    assert [(r[0], r[1]) for r in rejects] == [(3, "missing_field"), (4, "empty_event"), (5, "empty_event"),
                                                (6, "empty_event")]
    assert all("empty event" in r[2] for r in rejects[1:])
    assert warehouse.execute("SELECT count(*) FROM core.events WHERE exception_type IS NULL AND "
                             "coalesce(trim(message), '') = ''").fetchone()[0] == 0
