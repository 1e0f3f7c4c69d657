"""Exactly once: re-ingesting a file is a ledger skip; an overlapping export adds no duplicate."""

import json

from benchmarks.sources import write_ndjson_events
from models.sources import ingest_path


def test_same_file_twice_and_renamed_copy(warehouse, tmp_path):
    p = write_ndjson_events(tmp_path / "a.ndjson", 40, seed=21)
    (first,) = ingest_path(warehouse, p, source="sentry")
    (again,) = ingest_path(warehouse, p, source="sentry")
    copy = tmp_path / "renamed.ndjson"
    copy.write_bytes(p.read_bytes())
    (renamed,) = ingest_path(warehouse, copy, source="sentry")
    assert first.loaded == 40 and not first.already_ingested
    assert again.already_ingested and renamed.already_ingested and again.loaded == 40
    assert warehouse.execute("SELECT count(*) FROM ingest_files").fetchone()[0] == 1
    assert warehouse.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone() == (40, 40)


def test_overlapping_export_and_in_file_duplicates(warehouse, tmp_path):
    lines = write_ndjson_events(tmp_path / "all.ndjson", 60, seed=22).read_text().splitlines()
    a = tmp_path / "export1.ndjson"
    a.write_text("\n".join(lines[:40] + lines[:5]) + "\n")  # 5 in-file duplicates
    b = tmp_path / "export2.json"
    b.write_text(json.dumps([json.loads(x) for x in lines[30:]]))  # overlaps 30..39, other format
    (ra,) = ingest_path(warehouse, a, source="sentry")
    (rb,) = ingest_path(warehouse, b, source="sentry")
    assert (ra.loaded, ra.duplicate) == (40, 5)
    assert (rb.loaded, rb.duplicate) == (20, 10)
    assert warehouse.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone() == (60, 60)
    frames_per_event = warehouse.execute("SELECT count(*) / count(DISTINCT event_id) FROM frames").fetchone()[0]
    assert frames_per_event == 4  # no frame was inserted twice
    # the chain tables have no index of their own: their keys stay unique because rows come with new events
    assert warehouse.execute(
        "SELECT count(*) = count(DISTINCT (event_id, exception_index)) FROM core.exceptions").fetchone()[0]
    assert warehouse.execute(
        "SELECT count(*) = count(DISTINCT (event_id, exception_index, frame_index)) FROM core.frames").fetchone()[0]


def test_events_without_id_dedupe_on_content(warehouse, tmp_path):
    rec = {"message": "no id here", "timestamp": "2026-11-01T00:00:00Z"}
    a = tmp_path / "a.ndjson"
    a.write_text(json.dumps(rec) + "\n" + json.dumps(rec) + "\n")
    b = tmp_path / "b.json"
    b.write_text(json.dumps([rec, {**rec, "message": "other"}]))
    (ra,) = ingest_path(warehouse, a, source="sentry")
    (rb,) = ingest_path(warehouse, b, source="sentry")
    assert (ra.loaded, ra.duplicate, rb.loaded, rb.duplicate) == (1, 1, 1, 1)
