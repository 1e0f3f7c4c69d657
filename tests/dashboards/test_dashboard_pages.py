"""AppTest of every page on the demo world, on the committed samples only, and on an empty warehouse; the
Overview's ranking against an independent computation; drill-down and the SQL guard.

The expected numbers are computed here from the core tables with plain SQL, not with the dashboard's macros.
"""

from __future__ import annotations

import re
from datetime import timedelta

import duckdb
import pytest
from dash_world import PAGES, check_chart, drawn_charts, no_exceptions, open_page

from models.warehouse.snapshot import snapshot_path

RANKING_COLUMNS = ["cost_rank", "cluster", "requests", "events", "incidents", "services", "trend", "failure_class",
                   "written_by", "title"]


@pytest.fixture
def demo(world, use_warehouse):
    return use_warehouse(world / "warehouse.duckdb", world / "hindsight.toml")


@pytest.fixture
def samples(samples_world, use_warehouse):
    return use_warehouse(samples_world / "warehouse.duckdb", samples_world / "hindsight.toml")


@pytest.fixture
def samples_con(samples_world):
    con = duckdb.connect(str(snapshot_path(samples_world / "warehouse.duckdb")), read_only=True)
    yield con
    con.close()


def _pack_query(con) -> dict:
    row = con.execute("SELECT version FROM core.rule_packs ORDER BY created_at DESC, version DESC LIMIT 1").fetchone()
    return {"version": row[0], "file": "hindsight-semgrep.yaml"} if row else {}


def expected_patterns(con, start=None, end=None, where: str = "TRUE", params: list = ()) -> list[tuple]:
    """(cluster_id, events, requests) per cluster from the core tables, ranked like the Overview (requests, then
    incidents, then events); `where` filters core.events (alias e)."""
    lo, hi = con.execute("SELECT min(ts), max(ts) + INTERVAL 1 DAY FROM core.events").fetchone()
    start, end = start or lo, end or hi
    return con.execute(
        f"""WITH ev AS (
                SELECT coalesce(c.merged_into, m.cluster_id) AS cluster_id, e.event_id,
                       coalesce(e.trace_id, 'event:' || e.event_id) AS request
                FROM core.events e JOIN core.event_fingerprints f USING (event_id)
                JOIN core.cluster_members m ON m.signature = f.fingerprint
                JOIN core.clusters c ON c.cluster_id = m.cluster_id
                WHERE e.ts >= ? AND e.ts < ? AND {where}),
            inc AS (
                SELECT coalesce(c.merged_into, l.cluster_id) AS cluster_id, count(DISTINCT l.incident_id) AS n
                FROM core.incident_cluster_links l JOIN core.incidents i USING (incident_id)
                JOIN core.clusters c ON c.cluster_id = l.cluster_id
                WHERE i.started_at < ? AND coalesce(i.resolved_at, ?) >= ? GROUP BY 1)
            SELECT cluster_id, count(*) AS events, count(DISTINCT request) AS requests
            FROM ev LEFT JOIN inc USING (cluster_id)
            GROUP BY cluster_id, inc.n ORDER BY requests DESC, coalesce(inc.n, 0) DESC, events DESC, cluster_id""",
        [start, end, *params, end, end, start]).fetchall()


def extent(con) -> tuple:
    """First and last day of the data: events and incidents (started or resolved)."""
    return con.execute(
        "SELECT least((SELECT min(ts) FROM core.events), (SELECT min(started_at) FROM core.incidents))::DATE, "
        "greatest((SELECT max(ts) FROM core.events), (SELECT max(started_at) FROM core.incidents), "
        "(SELECT max(resolved_at) FROM core.incidents))::DATE").fetchone()


def ranking(at) -> list[tuple]:
    table = at.dataframe[0].value
    assert list(table.columns) == RANKING_COLUMNS
    ids = [re.search(r"cluster=([^&]+)", link).group(1) for link in table["cluster"]]
    return list(zip(ids, table["events"].astype(int), table["requests"].astype(int), strict=True))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_data(demo, page, world_counts, snapshot_con):
    at = open_page(page, _pack_query(snapshot_con) if page == "pack_file" else None)
    no_exceptions(at)
    assert at.title[0].value
    if page in ("overview", "clusters", "cluster", "attribution", "incidents"):
        assert not at.info, [i.value for i in at.info]
    if page in ("overview", "clusters", "cluster", "attribution"):
        assert at.dataframe, f"{page} shows no table on the demo world"
    charts = drawn_charts(at)
    expected = {"overview": 2, "cluster": 1, "attribution": 2, "incidents": 1}  # the others draw when they have rows
    if page in expected:
        assert len(charts) == expected[page], f"{page} draws {len(charts)} chart(s)"
    for spec, rows in charts:  # every chart: valid Vega-Lite, with rows holding every field it draws
        check_chart(spec, rows)
    if page == "rules" and world_counts["rule_packs"]:
        assert any(b.label.startswith("Download rule pack") for b in at.get("download_button"))
        assert at.code, "guidance files / changelog are shown as source"
    if page == "pack_file":
        assert any("rules:" in c.value for c in at.code), "the pack file is shown"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_the_committed_samples_only(samples, page, samples_con):
    """No repository, no rule pack: pages that need them say what to run; the others show the samples."""
    at = open_page(page)
    no_exceptions(at)
    if page in ("overview", "clusters", "cluster"):
        assert at.dataframe and not at.info, [i.value for i in at.info]
    if page == "attribution":
        assert any("hindsight run" in i.value for i in at.info), "explains why nothing is attributed"
    if page == "incidents":
        total = samples_con.execute("SELECT count(*) FROM core.incidents").fetchone()[0]
        assert len(at.expander) == total > 0, "the default range covers every incident"


def test_the_default_range_covers_events_and_incidents(samples, samples_con):
    """With the samples, incidents (2025-10 .. 2026-10) precede every event (2026-11): both are in range."""
    first_incident, last_event = samples_con.execute(
        "SELECT (SELECT min(started_at) FROM core.incidents)::DATE, (SELECT max(ts) FROM core.events)::DATE").fetchone()
    assert first_incident < samples_con.execute("SELECT min(ts)::DATE FROM core.events").fetchone()[0]
    at = open_page("overview")
    assert tuple(at.date_input(key="f_range").value) == (first_incident, last_event)
    caption = at.caption[0].value
    incidents = samples_con.execute("SELECT count(*) FROM core.incidents").fetchone()[0]
    assert f"{incidents} incidents" in caption and "(all data)" in caption


def test_overview_ranks_patterns_by_cost_in_the_first_table(demo, snapshot_con):
    at = open_page("overview")
    no_exceptions(at)
    expected = expected_patterns(snapshot_con)
    assert ranking(at) == [(c, e, r) for c, e, r in expected[:10]]
    table = at.dataframe[0].value
    assert list(table["cost_rank"]) == list(range(1, len(table) + 1))
    assert set(table["written_by"]) & {"unknown/human"} and any(v.startswith("AI: ") for v in table["written_by"])
    events, requests = snapshot_con.execute(
        "SELECT count(*), count(DISTINCT coalesce(trace_id, 'event:' || event_id)) FROM core.events").fetchone()
    assert f"{events:,} failure events · {requests:,} affected requests" in at.caption[0].value


def test_overview_says_what_changed_since_the_last_release(demo, snapshot_con):
    newest, previous = snapshot_con.execute(
        "SELECT release, previous_release FROM releases ORDER BY released_at DESC LIMIT 1").fetchone()
    at = open_page("overview")
    summary = at.text[0].value
    assert summary.startswith(f"Since {newest} ") and f"vs {previous}" in summary
    # a pattern on the previous release and not on the newest is reported as not seen
    gone = {r[0] for r in snapshot_con.execute(
        "SELECT cluster_id FROM cluster_events GROUP BY 1 HAVING count(*) FILTER (WHERE release = ?) > 0 "
        "AND count(*) FILTER (WHERE release = ?) = 0", [previous, newest]).fetchall()}
    for cluster_id in gone:
        assert cluster_id in summary.split("not seen")[1]


def test_every_page_has_its_own_url_including_overview():
    """Streamlit serves its default page only at `/`: the Overview is routed at `/overview` too (hidden alias)."""
    from dashboards.app import PAGES as SPECS
    from dashboards.app import routes

    table = routes()
    urls = [url for url, _, _ in table]
    assert len(urls) == len(set(urls)) and "" in urls
    assert {s.name for s in SPECS} <= set(urls)
    by_url = {url: (page, shown) for url, page, shown in table}
    assert by_url[""] == (SPECS[0], True) and by_url["overview"] == (SPECS[0], False)
    assert all(not shown for _, page, shown in table if page.hidden)


def test_clusters_table_matches_the_warehouse(demo, snapshot_con):
    at = open_page("clusters")
    no_exceptions(at)
    expected = expected_patterns(snapshot_con)
    table = at.dataframe[0].value
    assert len(table) == len(expected)
    ids = [re.search(r"cluster=([^&]+)", link).group(1) for link in table["cluster"]]
    assert ids == [c for c, _, _ in expected]
    lo, hi = extent(snapshot_con)
    assert len(table["daily"].iloc[0]) == (hi - lo).days + 1  # sparkline: one point per day of the range
    assert sum(table["daily"].iloc[0]) == table["events"].iloc[0]


def test_cluster_param_drills_down_to_that_cluster(demo, snapshot_con):
    cluster_id, title = snapshot_con.execute(
        "SELECT cluster_id, title FROM clusters WHERE status = 'active' ORDER BY event_count DESC, cluster_id LIMIT 1"
    ).fetchone()
    at = open_page("cluster", {"cluster": cluster_id})
    no_exceptions(at)
    assert at.selectbox[0].value == cluster_id
    assert any(t.value == title for t in at.text)
    subheaders = [s.value for s in at.subheader]
    assert "Suspect commits" in subheaders and "Frames → code line → blamed commit" in subheaders
    frames = next(d.value for d in at.dataframe if "blame" in d.value.columns)
    crash = frames[frames["crash_site"]]
    assert len(crash) == 1 and crash["commit_sha"].iloc[0], "the example event's crash site leads to a commit"
    assert crash["blame"].iloc[0] == "blamed" and crash["written_by"].iloc[0]
    incidents = next(d.value for d in at.dataframe if "incident_title" in d.value.columns)
    assert incidents["incident_id"].is_unique, "one row per incident, whatever the evidence"
    linked = snapshot_con.execute("SELECT count(DISTINCT incident_id) FROM incident_clusters WHERE cluster_id = ?",
                                  [cluster_id]).fetchone()[0]
    assert len(incidents) == linked
    assert [m.value for m in at.metric if m.label == "Events"] == [
        f"{next(e for c, e, _ in expected_patterns(snapshot_con) if c == cluster_id):,}"]


def test_incident_rows_carry_their_title_and_distinct_links(demo, snapshot_con):
    at = open_page("incidents")
    no_exceptions(at)
    rows = snapshot_con.execute(
        "SELECT i.incident_id, i.title, count(DISTINCT l.cluster_id) FROM core.incidents i "
        "LEFT JOIN incident_clusters l USING (incident_id) GROUP BY ALL").fetchall()
    labels = [e.label for e in at.expander]
    assert len(labels) == len(rows)
    for incident_id, title, clusters in rows:
        label = next(label for label in labels if label.startswith(incident_id))
        assert f"{clusters} linked cluster(s)" in label
        assert title.split(":")[0][:20] in label
    assert at.get("vega_lite_chart"), "the timeline is drawn"


def test_severity_colours_put_the_worst_first_in_red():
    import polars as pl

    from dashboards.ui import severity_scale

    domain, colors = severity_scale(pl.DataFrame({"severity": ["SEV3", "SEV1", "SEV4", "SEV2"],
                                                  "severity_rank": [3, 1, 4, 2]}))
    assert domain == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert colors[0] == "#b3261e" and colors[-1] == "#8d99a6"


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
        assert any("hindsight" in i.value or "Rules & guidance" in i.value for i in at.info), [i.value for i in at.info]
    # and with no snapshot published at all
    use_warehouse(tmp_path / "never-built.duckdb")
    at = open_page(page)
    no_exceptions(at)
    assert any("hindsight ingest" in i.value for i in at.info)


def test_period_arithmetic_of_the_trend(demo, snapshot_con):
    """The 7-day trend: events in the last 7 days of the range minus the 7 days before."""
    at = open_page("overview")
    table = at.dataframe[0].value
    first = re.search(r"cluster=([^&]+)", table["cluster"].iloc[0]).group(1)
    end = extent(snapshot_con)[1] + timedelta(days=1)
    recent, before = snapshot_con.execute(
        "SELECT count(*) FILTER (WHERE ts >= ?::TIMESTAMP - INTERVAL 7 DAY), "
        "count(*) FILTER (WHERE ts >= ?::TIMESTAMP - INTERVAL 14 DAY AND ts < ?::TIMESTAMP - INTERVAL 7 DAY) "
        "FROM cluster_events WHERE cluster_id = ? AND ts < ?", [end, end, end, first, end]).fetchone()
    assert int(table["trend"].iloc[0]) == recent - before
    assert end - timedelta(days=1) == at.date_input(key="f_range").value[1]
