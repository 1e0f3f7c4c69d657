"""The warehouse unit of work on a real DuckDB file: all or nothing, no view left behind, nesting refused,
a process killed mid-write leaves the file as it was; the one SQL literal helper and the `read_sql` naming."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest

from models.warehouse import (
    NestedUnitOfWork,
    connect,
    execute,
    read_sql,
    registered,
    run_sql_file,
    sql_literal,
    unit_of_work,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _db(path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(path, schema=False)
    con.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER, name VARCHAR)")
    return con


def _views(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}


def test_commit_reads_inputs_by_name_and_unregisters(tmp_path):
    con = _db(tmp_path / "w.duckdb")
    rows = pl.DataFrame({"id": [1, 2], "name": ["a", "b"]})
    more = pa.table({"id": [3], "name": ["c"]})
    with unit_of_work(con, uow_rows=rows, uow_more=more):
        assert {"uow_rows", "uow_more"} <= _views(con)
        con.execute("INSERT INTO t SELECT * FROM uow_rows")
        con.execute("INSERT INTO t SELECT * FROM uow_more")
    assert not {"uow_rows", "uow_more"} & _views(con)
    con.close()
    again = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert again.execute("SELECT id, name FROM t ORDER BY id").fetchall() == [(1, "a"), (2, "b"), (3, "c")]


@pytest.mark.parametrize("failure", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failure_mid_unit_leaves_no_rows_and_no_views(tmp_path, failure):
    con = _db(tmp_path / "w.duckdb")
    con.execute("INSERT INTO t VALUES (0, 'kept')")
    rows = pl.DataFrame({"id": [1, 2], "name": ["a", "b"]})
    with pytest.raises(type(failure)), unit_of_work(con, uow_rows=rows):
        con.execute("INSERT INTO t SELECT * FROM uow_rows")
        con.execute("DELETE FROM t WHERE id = 0")
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 2  # written inside the unit ...
        raise failure
    assert con.execute("SELECT id, name FROM t").fetchall() == [(0, "kept")]  # ... and rolled back
    assert "uow_rows" not in _views(con)
    with unit_of_work(con):  # the connection is usable again: no transaction was left open
        con.execute("INSERT INTO t VALUES (9, 'after')")
    con.close()
    again = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert again.execute("SELECT id FROM t ORDER BY id").fetchall() == [(0,), (9,)]


def test_failing_statement_rolls_back_earlier_statements(tmp_path):
    con = _db(tmp_path / "w.duckdb")
    with pytest.raises(duckdb.Error), unit_of_work(con):
        con.execute("INSERT INTO t VALUES (1, 'a')")
        con.execute("INSERT INTO t SELECT * FROM no_such_table")
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_nested_unit_is_refused_and_the_outer_one_still_rolls_back(tmp_path):
    con = _db(tmp_path / "w.duckdb")
    with pytest.raises(NestedUnitOfWork, match="already open"), unit_of_work(con):
        con.execute("INSERT INTO t VALUES (1, 'outer')")
        with unit_of_work(con, uow_inner=pl.DataFrame({"id": [2], "name": ["inner"]})):
            pytest.fail("a nested unit must not start")
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert "uow_inner" not in _views(con)


def test_registration_failure_is_rolled_back_and_earlier_names_unregistered(tmp_path):
    con = _db(tmp_path / "w.duckdb")
    inputs = {"uow_ok": pa.table({"id": [1]}), "uow_bad": object()}
    with pytest.raises(Exception), unit_of_work(con, **inputs):  # noqa: B017 - DuckDB's error type for an unscannable object
        pytest.fail("the block must not run")
    assert "uow_ok" not in _views(con)
    with unit_of_work(con):  # no transaction left open
        pass


def test_registered_unregisters_on_failure(tmp_path):
    con = _db(tmp_path / "w.duckdb")
    with pytest.raises(KeyboardInterrupt), registered(con, uow_reg=pa.table({"id": [1]})):
        assert con.execute("SELECT count(*) FROM uow_reg").fetchone()[0] == 1
        raise KeyboardInterrupt
    assert "uow_reg" not in _views(con)


def test_execute_reads_only_the_named_inputs_without_a_catalog_change(tmp_path):
    con = _db(tmp_path / "w.duckdb")
    stray = pa.table({"id": [99], "name": ["stray"]})  # a local of the caller: must not be found by name
    assert stray.num_rows == 1
    with unit_of_work(con):
        execute(con, "INSERT INTO t SELECT * FROM batch", batch=pl.DataFrame({"id": [1], "name": ["a"]}))
        assert not _views(con)
        assert execute(con, "SELECT count(*) FROM t WHERE id = ?", [1]).fetchall() == [(1,)]
        with pytest.raises(duckdb.CatalogException):
            execute(con, "SELECT * FROM stray").fetchall()
    assert con.execute("SELECT id FROM t").fetchall() == [(1,)]


def test_execute_after_an_unread_result_like_con_execute(tmp_path):
    con = _db(tmp_path / "w.duckdb")
    con.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    with unit_of_work(con):
        assert con.execute("SELECT id FROM t ORDER BY id").fetchone() == (1,)  # one row read, one left
        execute(con, "INSERT INTO t SELECT * FROM batch", batch=pa.table({"id": [3], "name": ["c"]}))
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 3


def test_execute_inside_a_unit_rolls_back_with_it(tmp_path):
    con = _db(tmp_path / "w.duckdb")
    with pytest.raises(RuntimeError), unit_of_work(con):
        execute(con, "INSERT INTO t SELECT * FROM batch", batch=pa.table({"id": [1], "name": ["a"]}))
        raise RuntimeError("after the insert")
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0


KILLED = """
import sys, time
import pyarrow as pa
from models.warehouse import connect, execute, unit_of_work
con = connect(sys.argv[1], schema=False)
with unit_of_work(con, first=pa.table({"id": list(range(1000)), "name": ["x"] * 1000})):
    con.execute("INSERT INTO t SELECT * FROM first")
    for i in range(50):
        batch = pa.table({"id": list(range(10_000 * i, 10_000 * (i + 1))), "name": ["y"] * 10_000})
        execute(con, "INSERT INTO t SELECT * FROM batch", batch=batch)
    print("written", flush=True)
    time.sleep(600)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_process_killed_mid_unit_leaves_the_file_consistent(tmp_path):
    path = tmp_path / "w.duckdb"
    con = _db(path)
    with unit_of_work(con, before=pa.table({"id": [-1], "name": ["committed before"]})):
        con.execute("INSERT INTO t SELECT * FROM before")
    con.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(path)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        assert proc.stdout.readline().strip() == "written"  # 501,000 rows inside the open unit
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    after = connect(path, schema=False)
    assert after.execute("SELECT id, name FROM t").fetchall() == [(-1, "committed before")]
    with unit_of_work(after, more=pl.DataFrame({"id": [1], "name": ["after"]})):  # and the file takes writes
        after.execute("INSERT INTO t SELECT * FROM more")
    assert after.execute("SELECT count(*) FROM t").fetchone()[0] == 2


def test_sql_literal_round_trips_through_duckdb():
    con = duckdb.connect()
    for text in ["plain", "it's", "''", "back\\slash", "new\nline", "", "é ✓ 😀", "'; DROP TABLE t; --"]:
        assert con.execute(f"SELECT {sql_literal(text)}").fetchone()[0] == text


def test_read_sql_names_statements_without_the_suffix():
    assert "INSERT" in read_sql("queries/risk/insert_scores").upper()
    with pytest.raises(ValueError, match="without the suffix: 'queries/risk/insert_scores'"):
        read_sql("queries/risk/insert_scores.sql")
    with pytest.raises(ValueError, match="without the suffix"):
        run_sql_file(duckdb.connect(), "queries/risk/insert_scores.sql")


def test_no_stage_opens_transactions_or_registers_by_hand():
    """Every write goes through models.warehouse: no BEGIN/COMMIT/ROLLBACK, register or `.sql` names elsewhere."""
    import re

    forbidden = re.compile(
        r"""\.(begin|commit|rollback)\(\)|\.(register|unregister)\(["']|["'](BEGIN|COMMIT|ROLLBACK)\b|"""
        r"""(read_sql|run_sql_file)\([^)]*\.sql["']|noqa: F841"""
    )
    allowed = {"models/warehouse/unit_of_work.py", "models/sources/ingest_keys.py"}  # ingest_keys: SQLite, not DuckDB
    found = []
    for folder in ("models", "pipelines", "dashboards", "hindsight"):
        for file in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            rel = file.relative_to(PROJECT_ROOT).as_posix()
            if rel in allowed:
                continue
            for no, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                if forbidden.search(line):
                    found.append(f"{rel}:{no}: {line.strip()}")
    assert not found, "\n".join(found)


def test_failed_snapshot_keeps_the_old_one_and_leaves_no_temp_file(warehouse, warehouse_path, monkeypatch):
    from models.warehouse import snapshot

    first = snapshot.publish_snapshot(warehouse, warehouse_path)
    before = first.read_bytes()
    monkeypatch.setattr(snapshot, "MATERIALIZED", {"failure_events": "no_such_column"})  # fails mid-copy
    with pytest.raises(duckdb.Error):
        snapshot.publish_snapshot(warehouse, warehouse_path)
    assert first.read_bytes() == before
    assert not [p.name for p in warehouse_path.parent.iterdir() if p.name.endswith((".tmp", ".tmp.wal"))]
    assert warehouse.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'hindsight_snapshot'"
                             ).fetchone()[0] == 0
