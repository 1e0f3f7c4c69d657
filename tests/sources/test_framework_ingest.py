"""Entry points: source from the landing layout or sniffed, hidden files skipped, memory cap restored."""

import json

import pytest

from models.sources.ingest import IngestError, bounded_memory, ingest_path, list_files, sniff_source


def test_source_from_folder_or_content(tmp_path):
    (tmp_path / "landing" / "incidents").mkdir(parents=True)
    inc = tmp_path / "landing" / "incidents" / "export.json"
    inc.write_text("[]")
    ev = tmp_path / "dump.json"
    ev.write_text(json.dumps({"event_id": "a" * 32, "exception": {"values": []}}))
    envelope = tmp_path / "x.envelope"
    envelope.write_text("{}\n")
    assert sniff_source(inc) == "incidents"
    assert sniff_source(ev) == "sentry" and sniff_source(envelope) == "sentry"
    (tmp_path / "app.log").write_text("2026-01-01 INFO hello\n")
    assert sniff_source(tmp_path / "app.log") == "logs"


def test_list_files_skips_hidden_and_markdown_and_rejects_missing(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.ndjson").write_text("{}\n")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "x.ndjson").write_text("{}\n")
    (tmp_path / ".hidden.ndjson").write_text("{}\n")
    (tmp_path / "a" / "README.md").write_text("# what these exports are\n")
    assert list_files(tmp_path) == [tmp_path / "a" / "one.ndjson"]
    assert list_files(tmp_path / "a" / "README.md") == [tmp_path / "a" / "README.md"]  # named: taken
    with pytest.raises(IngestError, match="no such file"):
        list_files(tmp_path / "missing")


def test_memory_cap_is_restored(warehouse, tmp_path):
    before = warehouse.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    with bounded_memory(warehouse, "512MB"):
        assert warehouse.execute("SELECT current_setting('memory_limit')").fetchone()[0] in ("488.2 MiB", "512.0 MB")
    p = tmp_path / "e.ndjson"
    p.write_text('{"message": "hi"}\n')
    (report,) = ingest_path(warehouse, p, source="sentry")
    assert report.loaded == 1
    assert warehouse.execute("SELECT current_setting('memory_limit')").fetchone()[0] == before
    with pytest.raises(IngestError, match="not a memory size"), bounded_memory(warehouse, "1GB'; DROP TABLE x; --"):
        pass


def test_file_too_big_for_the_cap_is_reloaded_without_it(warehouse, tmp_path, monkeypatch):
    from benchmarks.sources import write_ndjson_events

    monkeypatch.setenv("HINDSIGHT_INGEST_MEMORY", "4MB")
    before = warehouse.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    threads = warehouse.execute("SELECT current_setting('threads')").fetchone()[0]
    p = write_ndjson_events(tmp_path / "e.ndjson", 3000, seed=71)
    (report,) = ingest_path(warehouse, p, source="sentry")
    assert (report.read, report.loaded) == (3000, 3000)
    assert warehouse.execute("SELECT count(*) FROM core.ingest_files").fetchone()[0] == 1
    assert warehouse.execute("SELECT current_setting('memory_limit')").fetchone()[0] == before
    # the first attempt failed inside its transaction: the single-threaded appends setting still came back
    assert warehouse.execute("SELECT current_setting('threads')").fetchone()[0] == threads
