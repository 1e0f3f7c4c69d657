"""NDJSON batches: transformed in the load's scratch DB, appended to the warehouse; dedupe across batches."""

import duckdb

from benchmarks.sources import write_ndjson_events
from models.sources import file_load, ingest_path, sentry
from models.sources.ingest import single_threaded


def test_many_batches_dedupe_across_batches_and_leave_no_temp_tables(warehouse, tmp_path, monkeypatch):
    monkeypatch.setattr(sentry, "BATCH_BYTES", 64 << 10)  # ~19 events per batch: many batches
    events = write_ndjson_events(tmp_path / "a.ndjson", 200, seed=5).read_text().splitlines(keepends=True)
    path = tmp_path / "b.ndjson"
    path.write_text("".join(events + events[:60] + ["{not json\n"]))  # repeats land in later batches
    (report,) = ingest_path(warehouse, path, source="sentry")
    assert (report.read, report.loaded, report.duplicate, report.quarantined) == (261, 200, 60, 1)
    assert warehouse.execute("SELECT count(*), count(DISTINCT event_id) FROM core.events").fetchone() == (200, 200)
    assert warehouse.execute("SELECT count(*) FROM core.exceptions").fetchone()[0] == 400
    assert warehouse.execute(
        "SELECT count(*) FROM core.frames WHERE event_id NOT IN (SELECT event_id FROM core.events)"
    ).fetchone()[0] == 0
    assert warehouse.execute("SELECT count(*) FROM core.quarantine WHERE reason = 'malformed_json'").fetchone()[0] == 1
    # the per-batch work happened elsewhere: no temp table or registered view is left in the warehouse
    assert warehouse.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0
    assert warehouse.execute("SELECT count(*) FROM duckdb_views() WHERE view_name LIKE '_hs_%'").fetchone()[0] == 0


def test_scratch_db_is_per_file_and_closed(warehouse, tmp_path):
    path = write_ndjson_events(tmp_path / "c.ndjson", 5, seed=9)
    with file_load(warehouse, path, "sentry", "ndjson") as load:
        scratch = load.scratch()
        assert load.scratch() is scratch  # reused for every batch of the file
        sentry.load_sentry_file(warehouse, load, path, "ndjson")
        assert scratch.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0
    assert load.report.loaded == 5
    try:
        scratch.execute("SELECT 1")
        closed = False
    except duckdb.ConnectionException:
        closed = True
    assert closed



def test_the_warehouse_thread_setting_is_restored_after_a_load(warehouse, tmp_path):
    """Sentry loads append with one warehouse thread (faster, leaves the cores to the transform); the
    instance-wide setting comes back afterwards (after a failed load too: test_framework_ingest's OOM retry)."""
    warehouse.execute("SET threads = 3")
    ingest_path(warehouse, write_ndjson_events(tmp_path / "t.ndjson", 4, seed=2), source="sentry")
    assert warehouse.execute("SELECT current_setting('threads')").fetchone()[0] == 3
    seen = []
    with single_threaded(warehouse):
        seen.append(warehouse.execute("SELECT current_setting('threads')").fetchone()[0])
    assert seen == [1]
