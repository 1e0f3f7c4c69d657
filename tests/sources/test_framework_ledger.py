"""The ledger: one transaction per file, exactly once, counts that add up, scrubbed quarantine excerpts."""

import pytest

from models.sources.ledger import Reject, file_load


def _count(con, table):
    return con.execute(f"SELECT count(*) FROM core.{table}").fetchone()[0]


def test_file_is_recorded_once_with_its_counts(warehouse, tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("x\n")
    with file_load(warehouse, p, "logs", "text") as load:
        assert not load.already_ingested and len(load.file_id) == 64
        load.add_loaded(3, 1)
        load.add_ignored("session", 2)
        load.quarantine([Reject(4, 10, "malformed_json", "bad", "raw")])
    r = load.report
    assert (r.read, r.loaded, r.duplicate, r.ignored, r.quarantined) == (7, 3, 1, 2, 1)
    assert r.ignored_detail == {"session": 2}
    with file_load(warehouse, p, "logs", "text") as again:
        assert again.already_ingested
    assert again.report.read == 7 and again.report.already_ingested
    assert _count(warehouse, "ingest_files") == 1


def test_exception_rolls_back_everything(warehouse, tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("x\n")
    with pytest.raises(RuntimeError), file_load(warehouse, p, "logs", "text") as load:
        load.quarantine([Reject(1, 0, "malformed_json", "bad", "raw")])
        raise RuntimeError("reader crashed")
    assert _count(warehouse, "ingest_files") == 0 and _count(warehouse, "quarantine") == 0


def test_counts_must_add_up_before_commit(warehouse, tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("x\n")
    with pytest.raises(AssertionError), file_load(warehouse, p, "logs", "text") as load:
        load.add_read(5)
        load.add_loaded(4)
    assert _count(warehouse, "ingest_files") == 0


def test_quarantine_excerpt_is_scrubbed_short_and_escaped(warehouse, tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("x\n")
    secret = "password=hunter2 token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijk " + "z" * 500
    with file_load(warehouse, p, "logs", "text") as load:
        load.quarantine([Reject(1, 0, "line_too_long", "long", secret), Reject(2, 9, "invalid_utf8", "bytes", b"caf\xe9")])
    rows = warehouse.execute("SELECT line_no, byte_offset, reason, excerpt, path FROM core.quarantine ORDER BY line_no").fetchall()
    assert rows[0][2] == "line_too_long" and len(rows[0][3]) <= 200
    assert "hunter2" not in rows[0][3] and "eyJ" not in rows[0][3] and "<secret:password>" in rows[0][3]
    assert rows[1][:3] == (2, 9, "invalid_utf8") and rows[1][3] == "caf\\xe9" and rows[1][4] == str(p)
