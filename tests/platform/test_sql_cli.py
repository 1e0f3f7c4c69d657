"""`hindsight sql`: read-only queries print results; writing statements are refused and change nothing."""

import json

import pytest
from typer.testing import CliRunner

from hindsight.cli import app
from models.warehouse import connect
from models.warehouse.readonly import WriteRefused, check_read_only

runner = CliRunner()


@pytest.fixture
def filled_warehouse(warehouse_path):
    con = connect(warehouse_path)
    con.execute(
        "INSERT INTO core.incidents (incident_id, title, started_at, file_id, ingested_at) "
        "VALUES ('INC-1', 'Checkout down', TIMESTAMP '2026-11-01 10:00:00', 'f', now()), "
        "('INC-2', '[red]markup[/red] <b>html</b>', TIMESTAMP '2026-11-02 10:00:00', 'f', now())"
    )
    con.close()
    return warehouse_path


def _sql(warehouse, *args):
    return runner.invoke(app, ["--warehouse", str(warehouse), "sql", *args])


def test_select_prints_rows_as_table_csv_and_json(filled_warehouse):
    # The view `incidents` is created by the sources stage; core tables are always queryable.
    query = "SELECT incident_id, title FROM core.incidents ORDER BY incident_id"
    table = _sql(filled_warehouse, query)
    assert table.exit_code == 0, table.output
    assert "INC-1" in table.stdout and "Checkout down" in table.stdout
    # production text is printed as text, never interpreted as rich markup
    assert "[red]markup[/red]" in table.stdout

    csv = _sql(filled_warehouse, "--format", "csv", query)
    assert csv.stdout.splitlines()[:2] == ["incident_id,title", "INC-1,Checkout down"]

    rows = json.loads(_sql(filled_warehouse, "--format", "json", query).stdout)
    assert [r["incident_id"] for r in rows] == ["INC-1", "INC-2"]


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM core.incidents",
        "DROP TABLE core.incidents",
        "SELECT 1; UPDATE core.incidents SET title = 'x'",
        "COPY core.incidents TO 'out.csv'",
        "ATTACH 'other.duckdb'",
        "CREATE TABLE t AS SELECT 1",
        "INSERT INTO core.incidents (incident_id, title, started_at, file_id, ingested_at) VALUES ('x','y',now(),'f',now())",
    ],
)
def test_writing_statements_are_refused_and_change_nothing(filled_warehouse, statement):
    result = _sql(filled_warehouse, statement)
    assert result.exit_code == 3
    assert "refused" in result.stderr
    con = connect(filled_warehouse, read_only=True)
    assert con.execute("SELECT count(*), min(title) FROM core.incidents").fetchone() == (2, "Checkout down")
    con.close()


def test_guard_allows_queries_only():
    for ok in ["SELECT 1", "WITH a AS (SELECT 1) SELECT * FROM a", "FROM core.events", "SHOW TABLES",
               "DESCRIBE core.events", "EXPLAIN SELECT 1"]:
        check_read_only(ok)
    with pytest.raises(WriteRefused):
        check_read_only("PRAGMA enable_profiling; SELECT 1")


def test_file_access_is_disabled(filled_warehouse):
    result = _sql(filled_warehouse, "SELECT * FROM read_csv('/etc/passwd')")
    assert result.exit_code == 3
    assert "Permission" in result.stderr


def test_missing_warehouse_says_what_to_do(tmp_path):
    result = _sql(tmp_path / "none.duckdb", "SELECT 1")
    assert result.exit_code == 3
    assert "hindsight ingest" in result.stderr


def test_listing_views_without_a_query(filled_warehouse):
    result = _sql(filled_warehouse)
    assert result.exit_code == 0, result.output


def test_reads_the_snapshot_while_a_writer_holds_the_lock(filled_warehouse, tmp_path):
    import subprocess
    import sys
    import time

    from models.warehouse.snapshot import publish_snapshot

    con = connect(filled_warehouse)
    publish_snapshot(con, filled_warehouse)
    con.close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(60)",
         str(filled_warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = _sql(filled_warehouse, "--format", "csv", "SELECT count(*) AS n FROM core.incidents")
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == ["n", "2"]
        assert "snapshot" in result.stderr
        assert time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait()
