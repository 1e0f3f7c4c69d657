"""Every sidebar filter changes every figure it claims to (the pages' declared filters), to the number computed
here from the core tables; pages show only the filters that apply to them, and the filters survive page switches."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from dash_world import no_exceptions, open_page
from test_dashboard_pages import expected_patterns, extent

from dashboards.app import PAGES
from dashboards.filters import MULTI_KEYS

# filter -> (query parameter value chooser, SQL predicate on core.events e)
AUTHOR_OF = ("e.event_id IN (SELECT event_id FROM frame_attribution WHERE is_crash_site AND commit_sha IS NOT NULL "
             "AND CASE WHEN ai_authored THEN coalesce(ai_tool, 'generic') ELSE 'unknown/human' END = ?)")
PREDICATES = {"service": "e.service = ?", "env": "e.environment = ?", "release": "e.release = ?", "tool": AUTHOR_OF}


@pytest.fixture
def demo(world, use_warehouse):
    return use_warehouse(world / "warehouse.duckdb", world / "hindsight.toml")


def _values(con) -> dict:
    """A value of each filter that selects a strict, non-empty part of the demo's events."""
    def least_common(column: str) -> str:
        return con.execute(f"SELECT {column} FROM core.events WHERE {column} IS NOT NULL GROUP BY 1 "
                           "ORDER BY count(*), 1 LIMIT 1").fetchone()[0]
    tool = con.execute("SELECT ai_tool FROM frame_attribution WHERE is_crash_site AND ai_authored "
                       "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    return {"service": least_common("service"), "env": least_common("environment"),
            "release": least_common("release"), "tool": tool}


def _busiest_day(con):
    return con.execute("SELECT ts::DATE FROM core.events GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]


def _cases(con):
    """(filter, query params, expected_patterns kwargs) for every filter."""
    values = _values(con)
    cases = [(key, {key: value}, {"where": PREDICATES[key], "params": [value]}) for key, value in values.items()]
    day = _busiest_day(con)
    cases.append(("range", {"start": day.isoformat(), "end": day.isoformat()},
                  {"start": day, "end": day + timedelta(days=1)}))
    return cases


def _ranking(at) -> list[tuple]:
    table = at.dataframe[0].value
    ids = [re.search(r"cluster=([^&]+)", link).group(1) for link in table["cluster"]]
    return list(zip(ids, table["events"].astype(int), table["requests"].astype(int), strict=True))


def test_pages_show_only_the_filters_that_apply(demo):
    labels = {"range": "Time range", **MULTI_KEYS}
    for page in PAGES:
        at = open_page(page.name)
        shown = {w.label for w in at.sidebar.multiselect} | {w.label for w in at.sidebar.date_input}
        assert shown == {labels[k] for k in page.filters}, page.name
        if not page.filters:
            assert any("do not apply" in c.value for c in at.sidebar.caption)
    by_name = {p.name: p.filters for p in PAGES}
    assert by_name["sql"] == by_name["rules"] == () and set(by_name["incidents"]) == {"range", "service"}


def test_every_filter_changes_the_overview_and_clusters_figures(demo, snapshot_con):
    unfiltered = expected_patterns(snapshot_con)
    for key, query, kwargs in _cases(snapshot_con):
        expected = expected_patterns(snapshot_con, **kwargs)
        assert expected and expected != unfiltered, key
        overview = open_page("overview", query)
        no_exceptions(overview)
        assert _ranking(overview) == expected[:10], key
        events = sum(e for _, e, _ in expected)
        assert f"{events:,} failure events" in overview.caption[0].value, key
        clusters = open_page("clusters", query)
        assert _ranking(clusters) == expected, key


def test_every_filter_changes_the_cluster_detail(demo, snapshot_con):
    everything = {c: e for c, e, _ in expected_patterns(snapshot_con)}
    for key, query, kwargs in _cases(snapshot_con):
        filtered = {c: e for c, e, _ in expected_patterns(snapshot_con, **kwargs)}
        changed = [c for c in everything if filtered.get(c, 0) != everything[c]]
        cluster_id = max(changed, key=lambda c: (filtered.get(c, 0), c))
        at = open_page("cluster", {**query, "cluster": cluster_id})
        no_exceptions(at)
        if filtered.get(cluster_id):
            assert [m.value for m in at.metric if m.label == "Events"] == [f"{filtered[cluster_id]:,}"], key
        else:
            assert [m.value for m in at.metric if m.label == "Events in the selection"] == ["0"], key
        sample = next(d.value for d in at.dataframe if "exception_value" in d.value.columns) \
            if filtered.get(cluster_id) else None
        if sample is not None and key in ("service", "env", "release"):
            column = {"service": "service", "env": "environment", "release": "release"}[key]
            assert set(sample[column]) == {query[key]}, key


def test_every_filter_changes_the_attribution_figures(demo, snapshot_con):
    for key, query, kwargs in _cases(snapshot_con):
        start, end = kwargs.get("start"), kwargs.get("end")
        lo, hi = snapshot_con.execute("SELECT min(ts), max(ts) + INTERVAL 1 DAY FROM core.events").fetchone()
        where = kwargs.get("where", "TRUE")
        expected = dict(snapshot_con.execute(
            f"SELECT CASE WHEN fa.ai_authored THEN coalesce(fa.ai_tool, 'generic') ELSE 'unknown/human' END, count(*) "
            f"FROM frame_attribution fa JOIN core.events e USING (event_id) WHERE fa.is_crash_site "
            f"AND fa.commit_sha IS NOT NULL AND e.ts >= ? AND e.ts < ? AND {where} GROUP BY 1",
            [start or lo, end or hi, *kwargs.get("params", [])]).fetchall())
        at = open_page("attribution", query)
        no_exceptions(at)
        table = next(d.value for d in at.dataframe if "lines_written" in d.value.columns and "author" in d.value.columns)
        shown = {a: int(e) for a, e in zip(table["author"], table["events"], strict=True) if e}
        assert shown == expected, key
        if key == "tool":
            assert list(table["author"]) == [query["tool"]]


def test_range_and_service_change_the_incidents(demo, snapshot_con):
    lo, hi = extent(snapshot_con)
    total = snapshot_con.execute("SELECT count(*) FROM core.incidents").fetchone()[0]
    assert len(open_page("incidents").expander) == total
    day = snapshot_con.execute("SELECT started_at::DATE FROM core.incidents ORDER BY started_at LIMIT 1").fetchone()[0]
    overlapping = snapshot_con.execute(
        "SELECT count(*) FROM core.incidents WHERE started_at < ? AND coalesce(resolved_at, ?) >= ?",
        [day + timedelta(days=1), day + timedelta(days=1), day]).fetchone()[0]
    at = open_page("incidents", {"start": day.isoformat(), "end": day.isoformat()})
    assert len(at.expander) == overlapping < total
    service = snapshot_con.execute("SELECT unnest(services) AS s FROM core.incidents GROUP BY 1 "
                                   "ORDER BY count(*) LIMIT 1").fetchone()[0]
    naming = snapshot_con.execute("SELECT count(*) FROM core.incidents WHERE list_contains(services, ?) "
                                  "OR len(coalesce(services, [])) = 0", [service]).fetchone()[0]
    at = open_page("incidents", {"service": service})
    assert len(at.expander) == naming < total
    overview = open_page("overview", {"service": service})
    assert f"{naming} incidents" in overview.caption[0].value
    assert (lo, hi) == tuple(open_page("incidents").date_input(key="f_range").value)


def test_a_filter_picked_on_one_page_stays_on_the_next(demo, snapshot_con):
    """Switching pages in one session keeps the filters, also across a page that does not show them."""
    service = _values(snapshot_con)["service"]
    at = open_page("overview")
    at.sidebar.multiselect(key="f_service").set_value([service]).run()
    expected = expected_patterns(snapshot_con, where="e.service = ?", params=[service])
    assert _ranking(at) == expected[:10]
    at.switch_page("app_pages/sql.py").run()  # no filters there
    assert not at.sidebar.multiselect
    at.switch_page("app_pages/clusters.py").run()
    assert at.sidebar.multiselect(key="f_service").value == [service]
    assert _ranking(at) == expected


def test_author_release_and_environment_filters_narrow_the_overviews_incidents(demo, snapshot_con):
    """Incidents carry no author, release or environment: with such a filter the Overview counts the incidents
    linked to a pattern that has selected failures."""
    values = _values(snapshot_con)
    total = snapshot_con.execute("SELECT count(*) FROM core.incidents").fetchone()[0]
    for key in ("tool", "release", "env"):
        linked = snapshot_con.execute(
            f"SELECT count(DISTINCT l.incident_id) FROM incident_clusters l WHERE l.cluster_id IN ("
            f"SELECT ce.cluster_id FROM cluster_events ce JOIN core.events e USING (event_id) WHERE {PREDICATES[key]})",
            [values[key]]).fetchone()[0]
        at = open_page("overview", {key: values[key]})
        assert f"· {linked} incidents ·" in at.caption[0].value, key
        table = next(d.value for d in at.dataframe if "linked_clusters" in d.value.columns)
        assert len(table) == linked <= total, key
