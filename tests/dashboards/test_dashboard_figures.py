"""The dashboard's figures (sql/views/70_dashboard.sql): honest statistics, one definition per figure, and the
snapshot that stores the heavy ones precomputed with the same rows as the live views."""

from __future__ import annotations

import math
import shutil

import duckdb
import pytest
from dash_world import no_exceptions, open_page

from models.warehouse import connect
from models.warehouse.snapshot import MATERIALIZED, publish_snapshot

NO_FILTER = "'2000-01-01'::TIMESTAMP, '2100-01-01'::TIMESTAMP, []::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[]"


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    centre, spread = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


@pytest.mark.parametrize("k,n", [(0, 10), (1, 10), (5, 208), (8, 116), (50, 50), (3, 100_000)])
def test_wilson_interval_macro(warehouse, k, n):
    low, high = warehouse.execute("SELECT wilson_low(?, ?), wilson_high(?, ?)", [k, n, k, n]).fetchone()
    assert (low, high) == pytest.approx(_wilson(k, n), abs=1e-12)
    assert low <= k / n <= high
    assert warehouse.execute("SELECT wilson_low(0, 0)").fetchone()[0] is None


def test_wilson_known_value(warehouse):
    """1 failure in 10: the textbook 95% Wilson interval is 1.8% to 40.4%."""
    low, high = warehouse.execute("SELECT wilson_low(1, 10), wilson_high(1, 10)").fetchone()
    assert round(low, 4) == 0.0179 and round(high, 4) == 0.4042


def test_minimum_support_lists_but_does_not_rank(snapshot_con):
    rates = snapshot_con.execute(
        f"SELECT author, lines_written, ranked, rate_rank, failing_lines_per_kloc FROM author_failure_rates({NO_FILTER}) "
        "ORDER BY author").fetchall()
    small = [r for r in rates if r[1] < 100]
    large = [r for r in rates if r[1] >= 100]
    assert small and large, rates  # the demo has tools with a few dozen lines and a human side with hundreds
    assert all(not ranked and rank is None for _, _, ranked, rank, _ in small)
    assert sorted(rank for *_, rank, _ in large) == list(range(1, len(large) + 1))
    ordered = sorted(large, key=lambda r: r[3])
    assert [r[4] for r in ordered] == sorted((r[4] for r in ordered), reverse=True)
    fewer = snapshot_con.execute(f"SELECT count(*) FILTER (WHERE ranked) FROM author_failure_rates({NO_FILTER}, "
                                 "min_lines := 1)").fetchone()[0]
    assert fewer == len([r for r in rates if r[1] >= 1])


def test_one_definition_of_the_author_figures(snapshot_con):
    """Failing lines and blamed commits per author equal the attribution stage's frames, computed here; the AI
    row of the AI-vs-human figure is the sum of the tools' rows (the old pages disagreed on the human row)."""
    independent = {a: (e, lines, commits) for a, e, lines, commits in snapshot_con.execute(
        "SELECT CASE WHEN ai_authored THEN coalesce(ai_tool, 'generic') ELSE 'unknown/human' END, count(*), "
        "count(DISTINCT [repo, commit_sha, orig_path, orig_line::VARCHAR]), count(DISTINCT [repo, commit_sha]) "
        "FROM frame_attribution WHERE is_crash_site AND commit_sha IS NOT NULL GROUP BY 1").fetchall()}
    rows = snapshot_con.execute(f"SELECT author, events, failing_lines, blamed_commits, lines_written "
                                f"FROM author_failure_rates({NO_FILTER})").fetchall()
    assert {a: (e, lines, c) for a, e, lines, c, _ in rows if e} == independent
    exposure = dict(snapshot_con.execute(
        "SELECT coalesce(tool, 'generic'), sum(lines_added)::BIGINT FROM ai_failure_rates GROUP BY 1").fetchall())
    assert {a: w for a, *_, w in rows} == exposure
    kinds = {a: (e, w) for a, e, w in snapshot_con.execute(
        f"SELECT author, events, lines_written FROM author_failure_rates({NO_FILTER}, by_kind := true)").fetchall()}
    ai = [(e, w) for a, e, _, _, w in rows if a != "unknown/human"]
    assert kinds["AI (any tool)"] == (sum(e for e, _ in ai), sum(w for _, w in ai))
    human = next((e, w) for a, e, _, _, w in rows if a == "unknown/human")
    assert kinds["unknown/human"] == human


def test_attribution_page_shows_one_author_table_with_intervals(world, use_warehouse, snapshot_con):
    use_warehouse(world / "warehouse.duckdb", world / "hindsight.toml")
    at = open_page("attribution")
    no_exceptions(at)
    tables = [d.value for d in at.dataframe if {"author", "failing_lines"} <= set(d.value.columns)]
    assert len(tables) == 1, "one table per figure: the author table"
    table = tables[0]
    assert {"failing_lines", "lines_written", "ci_low_per_kloc", "ci_high_per_kloc", "rate_rank"} <= set(table.columns)
    for row in table.itertuples():
        if row.lines_written:
            assert row.ci_low_per_kloc <= row.failing_lines_per_kloc <= row.ci_high_per_kloc
        assert (row.rate_rank is None or math.isnan(row.rate_rank)) == (row.lines_written < 100)
    assert any(m.label.startswith("AI (any tool)") for m in at.metric)
    assert any(m.label.startswith("unknown/human") for m in at.metric)


def test_the_snapshot_stores_the_heavy_views_as_tables_with_the_views_rows(world, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(world / "warehouse.duckdb", warehouse)
    con = connect(warehouse)
    try:
        snapshot = publish_snapshot(con, warehouse)
        live = {name: con.execute(f"SELECT * FROM main.{name}").fetchall() for name in MATERIALIZED}
    finally:
        con.close()
    snap = duckdb.connect(str(snapshot), read_only=True)
    try:
        kinds = dict(snap.execute("SELECT table_name, table_type FROM information_schema.tables "
                                  "WHERE table_schema = 'main'").fetchall())
        for name, rows in live.items():
            assert kinds[name] == "BASE TABLE", name
            stored = snap.execute(f"SELECT * FROM main.{name}").fetchall()
            assert sorted(map(repr, stored)) == sorted(map(repr, rows)), name
        assert live["failure_events"] and snap.execute(
            f"SELECT count(*) FROM failure_patterns({NO_FILTER})").fetchone()[0] > 0
    finally:
        snap.close()


def test_failure_events_has_one_row_per_event(snapshot_con):
    events = snapshot_con.execute("SELECT count(*) FROM core.events").fetchone()[0]
    kinds = dict(snapshot_con.execute("SELECT kind, count(*) FROM failure_events GROUP BY 1").fetchall())
    assert kinds["event"] == events
    assert snapshot_con.execute("SELECT count(*) - count(DISTINCT occurrence_id) FROM failure_events").fetchone()[0] == 0
