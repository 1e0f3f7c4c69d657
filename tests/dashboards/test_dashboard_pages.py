"""AppTest of every page on the demo world and on an empty warehouse; filters, drill-down and the SQL guard."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest
from dash_world import PAGES, metric, no_exceptions, open_page

from models.warehouse.snapshot import snapshot_path


@pytest.fixture
def demo(world, use_warehouse):
    return use_warehouse(world / "warehouse.duckdb", world / "hindsight.toml")


def _period(con) -> tuple:
    """The dashboard's default period: the last 30 days of data up to the newest event."""
    lo, hi = con.execute("SELECT min(ts)::DATE, max(ts)::DATE FROM events").fetchone()
    return max(lo, hi - timedelta(days=30)), hi


def test_overview_shows_the_periods_real_numbers(demo, snapshot_con):
    at = open_page("overview")
    no_exceptions(at)
    start, end = _period(snapshot_con)
    events = snapshot_con.execute("SELECT count(*) FROM events WHERE ts >= ? AND ts < ?",
                                  [start, end + timedelta(days=1)]).fetchone()[0]
    assert events > 0
    assert metric(at, "Error events") == f"{events:,}"
    clusters = snapshot_con.execute("SELECT count(DISTINCT cluster_id) FROM cluster_events WHERE ts >= ? AND ts < ?",
                                    [start, end + timedelta(days=1)]).fetchone()[0]
    assert metric(at, "Active clusters") == str(clusters)
    assert len(at.get("vega_lite_chart")) >= 1  # the error volume trend is a chart
    assert metric(at, "Last pipeline run").startswith("success")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_data(demo, page, world_counts):
    at = open_page(page)
    no_exceptions(at)
    assert at.title[0].value
    if page in ("overview", "clusters", "cluster", "attribution"):
        assert at.dataframe, f"{page} shows no table on the demo world"
        assert not at.info, [i.value for i in at.info]
    if page == "rules" and world_counts["rule_packs"]:
        assert any(b.label.startswith("Download rule pack") for b in at.get("download_button"))
        assert at.code, "guidance files / changelog are shown as source"


def test_clusters_table_matches_the_warehouse(demo, snapshot_con):
    at = open_page("clusters")
    no_exceptions(at)
    start, end = _period(snapshot_con)
    expected = snapshot_con.execute(
        "SELECT cluster_id, count(*) FROM cluster_events WHERE ts >= ? AND ts < ? GROUP BY 1 ORDER BY 2 DESC, 1",
        [start, end + timedelta(days=1)]).fetchall()
    table = at.dataframe[0].value
    assert len(table) == len(expected)
    assert table["cluster"].iloc[0].startswith(f"cluster?cluster={expected[0][0]}")
    assert int(table["events"].iloc[0]) == expected[0][1]
    assert len(table["trend"].iloc[0]) == (end - start).days + 1  # sparkline: one point per day of the range


def test_filters_in_query_params_change_the_numbers(demo, snapshot_con):
    services = [r[0] for r in snapshot_con.execute(
        "SELECT service, count(*) FROM events WHERE service IS NOT NULL GROUP BY 1 ORDER BY 2").fetchall()]
    assert len(services) >= 2, "the demo world has two services"
    lo, hi = snapshot_con.execute("SELECT min(ts)::DATE, max(ts)::DATE FROM events").fetchone()
    all_at = open_page("overview", {"start": lo.isoformat(), "end": hi.isoformat()})
    one_at = open_page("overview", {"start": lo.isoformat(), "end": hi.isoformat(), "service": services[0]})
    no_exceptions(one_at)
    total = snapshot_con.execute("SELECT count(*) FROM events").fetchone()[0]
    one = snapshot_con.execute("SELECT count(*) FROM events WHERE service = ?", [services[0]]).fetchone()[0]
    assert metric(all_at, "Error events") == f"{total:,}"
    assert metric(one_at, "Error events") == f"{one:,}"
    assert one < total
    assert one_at.query_params["service"] in (services[0], [services[0]])  # the filter stays in the URL
    # a narrower time range: one day
    day = snapshot_con.execute("SELECT ts::DATE, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC LIMIT 1").fetchone()
    day_at = open_page("overview", {"start": day[0].isoformat(), "end": day[0].isoformat()})
    assert metric(day_at, "Error events") == f"{day[1]:,}"


def test_cluster_param_drills_down_to_that_cluster(demo, snapshot_con):
    cluster_id, title, rep = snapshot_con.execute(
        "SELECT cluster_id, title, representative_event_id FROM clusters WHERE status = 'active' "
        "ORDER BY event_count ASC, cluster_id LIMIT 1").fetchone()
    at = open_page("cluster", {"cluster": cluster_id})
    no_exceptions(at)
    assert at.selectbox[0].value == cluster_id
    assert any(t.value == title for t in at.text)
    exc_type = snapshot_con.execute("SELECT type FROM exceptions WHERE event_id = ? ORDER BY exception_index DESC LIMIT 1",
                                    [rep]).fetchone()[0]
    assert any(exc_type in c.value for c in at.code), "the representative stack trace is shown"
    subheaders = [s.value for s in at.subheader]
    assert "Suspect commits" in subheaders and "Frames → code line → blamed commit" in subheaders


def test_sql_page_refuses_writes_and_changes_nothing(demo, world, snapshot_con):
    before = snapshot_con.execute("SELECT count(*) FROM core.events").fetchone()[0]
    at = open_page("sql")
    at.text_area[0].set_value("DELETE FROM core.events").run()
    at.button(key="sql_run").click().run()
    assert at.error and "refused" in at.error[0].value
    assert not at.dataframe
    for db in (snapshot_path(world / "warehouse.duckdb"), world / "warehouse.duckdb"):
        con = duckdb.connect(str(db), read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM core.events").fetchone()[0] == before
        finally:
            con.close()
    at.text_area[0].set_value("SELECT service, count(*) AS n FROM events GROUP BY 1 ORDER BY 1").run()
    at.button(key="sql_run").click().run()
    no_exceptions(at)
    assert int(at.dataframe[0].value["n"].sum()) == before
    assert any(b.label == "Download CSV" for b in at.get("download_button"))


def test_saved_analyses_run_read_only(demo):
    from dashboards import data
    from models.warehouse import SQL_DIR

    saved = sorted((SQL_DIR / "analyses").glob("*.sql"))
    assert 5 <= len(saved) <= 8
    for path in saved:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("-- "), f"{path.name} has no header comment"
        data.run_user_sql(text)  # raises on a write or a wrong column
    at = open_page("sql")
    at.selectbox(key="sql_saved").set_value(saved[0].stem).run()
    at.button(key="sql_run").click().run()
    no_exceptions(at)
    assert at.dataframe


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_an_empty_state(page, empty_warehouse, use_warehouse, tmp_path):
    use_warehouse(empty_warehouse)
    at = open_page(page)
    no_exceptions(at)
    if page != "sql":
        assert any("hindsight" in i.value for i in at.info), [i.value for i in at.info]
    # and with no snapshot published at all
    use_warehouse(tmp_path / "never-built.duckdb")
    at = open_page(page)
    no_exceptions(at)
    assert any("hindsight ingest" in i.value for i in at.info)


def test_snapshot_carries_the_heavy_views_precomputed(snapshot_con):
    """publish_snapshot materializes frame_attribution's crash sites etc. into schema dash, equal to the views."""
    for table, view in (("dash.crash_sites", "(SELECT * FROM frame_attribution WHERE is_crash_site)"),
                        ("dash.cluster_attribution", "cluster_attribution"), ("dash.ai_failure_rates", "ai_failure_rates")):
        n_table = snapshot_con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        n_view = snapshot_con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
        assert n_table == n_view, table
    assert snapshot_con.execute("SELECT count(*) FROM dash.crash_sites WHERE ai_authored").fetchone()[0] > 0
