"""The stable analyst views over the sources tables."""

from benchmarks.sources import write_ndjson_events, write_sdk_envelopes
from models.sources import ingest_path

VIEWS = ("events", "exceptions", "frames", "thread_frames", "log_records", "incidents", "ingest_files", "quarantine")


def test_views_exist_and_answer_questions(warehouse, tmp_path):
    ingest_path(warehouse, write_ndjson_events(tmp_path / "e.ndjson", 20, seed=41), source="sentry")
    ingest_path(warehouse, write_sdk_envelopes(tmp_path / "a.envelope", 2, secrets=False), source="sentry")
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"oops"\n')
    ingest_path(warehouse, bad, source="sentry")
    names = {r[0] for r in warehouse.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal").fetchall()}
    assert set(VIEWS) <= names
    for view in VIEWS:
        warehouse.execute(f"SELECT * FROM {view} LIMIT 1").fetchall()

    top = warehouse.execute(
        "SELECT exception_type, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
    assert top == ("OrderNotFound", 20)
    crash = warehouse.execute(
        "SELECT filename, function FROM frames WHERE is_innermost AND in_main_exception AND in_app GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert ("app/orders.py", "load_order") in crash
    ex = warehouse.execute("SELECT count(*) FROM exceptions WHERE is_main AND service = 'orders-api'").fetchone()[0]
    assert ex >= 2
    files = warehouse.execute("SELECT source, format, records_read, seconds >= 0 FROM ingest_files ORDER BY format").fetchall()
    assert [f[1] for f in files] == ["envelope", "ndjson", "ndjson"] and all(f[3] for f in files)
    q = warehouse.execute("SELECT reason, line_no, path FROM quarantine").fetchall()
    assert q == [("malformed_json", 1, str(bad))]
