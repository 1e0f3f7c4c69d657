"""Stacks outside the exception chain (a message event's `threads`, a top-level `stacktrace`) are kept in
thread_frames, scrubbed, and leave frames/exceptions untouched."""

import json
import subprocess
import sys
from pathlib import Path

from models.sources import ingest_path

ROOT = Path(__file__).resolve().parents[2]

_SDK_SCRIPT = r"""
import sys, sentry_sdk
from hindsight.sentry_file_transport import FileTransport
sentry_sdk.init(dsn="https://k@o0.ingest.example.invalid/1", transport=FileTransport(sys.argv[1]),
                attach_stacktrace=True, release="shop@2.0.0", default_integrations=False)

def notify(order_id):
    sentry_sdk.capture_message(f"slow gateway for order {order_id}, ops@example.com paged")

notify(4711)
sentry_sdk.flush()
"""


def test_real_sdk_message_with_attached_stack(warehouse, tmp_path):
    path = tmp_path / "message.envelope"
    subprocess.run([sys.executable, "-c", _SDK_SCRIPT, str(path)], check=True, cwd=ROOT,
                   env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    (report,) = ingest_path(warehouse, path, source="sentry")
    assert report.loaded == 1
    rows = warehouse.execute(
        "SELECT thread_index, frame_index, is_innermost, function, context_line FROM thread_frames "
        "ORDER BY thread_index, frame_index"
    ).fetchall()
    assert rows, "the attached stack was not kept"
    assert any(r[3] == "notify" for r in rows)
    innermost = [r for r in rows if r[2]]
    assert len(innermost) == len({r[0] for r in rows})  # one innermost frame per stack
    assert all("ops@example.com" not in (r[4] or "") for r in rows)
    assert warehouse.execute("SELECT count(*) FROM frames").fetchone()[0] == 0  # no exception, no chain frames


def test_top_level_stacktrace_and_threads_from_ndjson(warehouse, tmp_path):
    frame = {"filename": "app/pay.py", "function": "charge", "lineno": 7, "in_app": True,
             "context_line": "    call('https://u:hunter2-secret@pay.example.com')", "vars": {"password": "hunter2"}}
    events = [
        {"event_id": "a" * 32, "message": "top", "stacktrace": {"frames": [{"function": "main"}, frame]}},
        {"event_id": "b" * 32, "message": "threads", "threads": {"values": [
            {"id": 1, "name": "MainThread", "current": True, "stacktrace": {"frames": [frame]}},
            {"id": "7", "crashed": False, "stacktrace": {"frames": [{"function": "idle"}]}}]}},
        {"event_id": "c" * 32, "message": "old protocol", "threads": [{"id": 1}]},  # bare list: no stack kept
    ]
    path = tmp_path / "e.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    (report,) = ingest_path(warehouse, path, source="sentry")
    assert (report.loaded, report.quarantined) == (3, 0)
    rows = warehouse.execute(
        "SELECT event_id, thread_index, thread_id, thread_name, current, frame_index, is_innermost, function "
        "FROM thread_frames ORDER BY event_id, thread_index, frame_index"
    ).fetchall()
    assert rows == [
        ("a" * 32, -1, None, None, None, 0, False, "main"),
        ("a" * 32, -1, None, None, None, 1, True, "charge"),
        ("b" * 32, 0, "1", "MainThread", True, 0, True, "charge"),
        ("b" * 32, 1, "7", None, None, 0, True, "idle"),
    ]
    stored = warehouse.execute("SELECT string_agg(context_line || vars, ' ') FROM thread_frames").fetchone()[0]
    assert "hunter2" not in stored
    # re-ingesting adds nothing
    (again,) = ingest_path(warehouse, path, source="sentry")
    assert again.already_ingested
    assert warehouse.execute("SELECT count(*) FROM thread_frames").fetchone()[0] == 4
