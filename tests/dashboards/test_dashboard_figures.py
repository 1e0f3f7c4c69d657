"""The dashboard's figures (sql/views/70_dashboard.sql): honest statistics, one definition per figure, and the
snapshot that stores the heavy ones precomputed with the same rows as the live views."""

from __future__ import annotations

import math
import shutil

import duckdb
import pytest
from dash_world import check_chart, drawn_charts, no_exceptions, open_page

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


def test_attribution_page_draws_its_two_charts_from_the_figures(world, use_warehouse, snapshot_con):
    """The rate chart holds the AI and unknown/human rows and every AI tool with lines written, with the author
    table's rates and intervals; the release chart holds every release with blamed failures, with its AI share."""
    use_warehouse(world / "warehouse.duckdb", world / "hindsight.toml")
    at = open_page("attribution")
    no_exceptions(at)
    charts = drawn_charts(at)
    assert len(charts) == 2, "rate chart and release-over-release chart"
    for spec, rows in charts:
        check_chart(spec, rows)
    (rate_spec, rate_rows), (release_spec, release_rows) = charts

    table = next(d.value for d in at.dataframe if {"author", "failing_lines"} <= set(d.value.columns))
    tools = table[table["author"].ne("unknown/human") & table["lines_written"].gt(0)]
    by_kind = snapshot_con.execute(f"SELECT author, failing_lines_per_kloc FROM author_failure_rates({NO_FILTER}, "
                                   "by_kind := true) WHERE lines_written > 0 ORDER BY author").fetchall()
    assert [r["author"] for r in rate_rows] == [a for a, _ in by_kind] + tools["author"].tolist()
    charted = {r["author"]: r for r in rate_rows}
    for row in tools.itertuples():
        point = charted[row.author]
        assert (point["failing_lines_per_kloc"], point["ci_low_per_kloc"], point["ci_high_per_kloc"]) == pytest.approx(
            (row.failing_lines_per_kloc, row.ci_low_per_kloc, row.ci_high_per_kloc))
        assert point["label"] == f"{row.failing_lines} of {row.lines_written} lines"
    assert {charted[a]["kind"] for a, _ in by_kind} == {"AI tool", "unknown/human"}
    assert [layer["mark"]["type"] for layer in rate_spec["layer"]] == ["rule", "point", "text"]
    assert rate_spec["layer"][0]["encoding"]["y"]["sort"] == [r["author"] for r in rate_rows]

    releases = snapshot_con.execute(f"SELECT release, ai_share FROM release_health({NO_FILTER}) "
                                    "WHERE blamed_events > 0 ORDER BY release_order").fetchall()
    assert releases, "the demo world has releases with blamed failures"
    assert [(r["release"], r["ai_share"]) for r in release_rows] == [(r, pytest.approx(s)) for r, s in releases]
    assert release_spec["layer"][1]["encoding"]["y"]["field"] == "ai_share"


def test_chart_specs_are_valid_vega_lite_with_their_fields():
    """Every chart function of dashboards/charts.py, on rows of the shape its page gives it."""
    from datetime import date, datetime

    import polars as pl

    from dashboards import charts

    rates = pl.DataFrame({"author": ["AI (any tool)", "unknown/human", "cursor"], "is_ai": [True, False, True],
                          "ranked": [True, True, False], "failing_lines": [8, 5, 1], "lines_written": [116, 208, 10],
                          "failing_lines_per_kloc": [69.0, 24.0, 100.0], "ci_low_per_kloc": [35.0, 10.0, 18.0],
                          "ci_high_per_kloc": [130.0, 55.0, 400.0], "events": [9, 7, 1], "blamed_commits": [8, 4, 1]})
    health = pl.DataFrame({"release": ["1.0", "1.1"], "ai_share": [0.5, 0.2], "ai_share_ci_low": [0.2, 0.1],
                           "ai_share_ci_high": [0.8, 0.4], "ai_events": [5, 2], "blamed_events": [10, 10],
                           "new_patterns": [2, 0], "events": [10, 12], "events_per_day": [1.0, 1.2],
                           "requests_per_day": [0.5, 0.6], "patterns": [3, 2], "hours_live": [240, 240]})
    days = pl.date_range(date(2026, 11, 1), date(2026, 11, 3), "1d", eager=True)
    when = [datetime(2026, 11, 1), datetime(2026, 11, 2)]
    made = [
        charts.rate_intervals(rates, "failing lines per 1,000 written", 100),
        charts.ai_share_by_release(health),
        charts.release_bars(health),
        charts.pattern_cost_facets(pl.DataFrame({"pattern": ["#1 C-1 x"] * 3, "day": days, "requests": [1, 0, 2]}),
                                   ["#1 C-1 x"]),
        charts.daily_bars(pl.DataFrame({"day": days, "events": [1, 0, 2], "requests": [1, 0, 1]})),
        charts.incident_timeline(pl.DataFrame({
            "label": ["I-1 a", "I-2 b"], "incident_id": ["I-1", "I-2"], "title": ["a", "b"], "severity": ["SEV1", "SEV3"],
            "status": ["resolved", "ongoing"], "started_at": when, "ended_at": when[::-1], "state": ["", "ongoing →"],
            "linked_clusters": [1, 0]}), (["SEV1", "SEV3"], ["#b3261e", "#f2b705"])),
        charts.findings_at_head(pl.DataFrame({"rule_id": ["r1"], "severity": ["ERROR"], "head_findings": [3],
                                              "noise_per_kloc": [0.5], "cluster_ids": [["C-1"]]}),
                                ["rule_id", "severity", "head_findings", "noise_per_kloc"]),
        charts.risk_over_time(pl.DataFrame({"committed_at": when, "probability": [0.9, 0.1], "risk_level": ["high", "low"],
                                            "subject": ["x", "y"], "labelled_defect": [True, False]})),
    ]
    for chart in made:
        check_chart({"$schema": charts.SCHEMA, **chart.spec}, chart.data.to_dicts())


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
