"""Overview: what is failing, what is new or regressing, how much AI-written code causes, data freshness."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from dashboards import data
from dashboards.ui import cluster_table_config, filters, require_data, with_cluster_links

st.title("Overview")
f = filters()
where, params = f.events_where("e")

if require_data("events", step="Ingest error events with `hindsight ingest PATH` and run `hindsight run`."):
    totals = data.query(
        f"SELECT count(*) AS events, count(DISTINCT release) AS releases, count(DISTINCT service) AS services "
        f"FROM events e WHERE {where}", params)
    cols = st.columns(5)
    cols[0].metric("Error events", f"{totals['events'][0]:,}")
    cols[1].metric("Releases", totals["releases"][0])
    cols[2].metric("Services", totals["services"][0])

    daily = data.query(
        f"SELECT e.ts::DATE AS day, coalesce(e.service, '?') AS service, count(*) AS events FROM events e "
        f"WHERE {where} GROUP BY ALL ORDER BY 1", params)
    st.subheader("Error volume per day")
    if daily.height:
        st.altair_chart(alt.Chart(daily.to_pandas()).mark_area(opacity=0.8).encode(
            x=alt.X("day:T", title=None), y=alt.Y("events:Q", stack=True), color="service:N",
            tooltip=["day:T", "service:N", "events:Q"]), width="stretch")
    else:
        st.caption("No error events in this period — widen the time range or clear filters in the sidebar.")

    if data.has_views("cluster_events", "clusters"):
        per_cluster = data.query(
            f"""SELECT c.cluster_id, c.title, c.failure_class, count(*) AS events,
                       max(e.ts) AS last_seen, c.first_seen, c.first_seen >= ?::TIMESTAMP AS is_new
                FROM cluster_events e JOIN clusters c USING (cluster_id)
                WHERE {where} GROUP BY ALL ORDER BY events DESC, c.cluster_id""", [f.start, *params])
        new = per_cluster.filter(pl.col("is_new")) if per_cluster.height else per_cluster
        cols[3].metric("Active clusters", per_cluster.height)
        cols[4].metric("New clusters", new.height)
        flags = pl.DataFrame()
        if data.has_views("cluster_flags"):
            flags = data.query(
                "SELECT cluster_id, title, flag, max(day) AS day, count(*) AS days_flagged, arg_max(detail, day) AS detail "
                "FROM cluster_flags WHERE flag IN ('regression', 'spike') AND day BETWEEN ? AND ? "
                "GROUP BY ALL ORDER BY day DESC", [f.start, f.end])
        left, right = st.columns(2)
        with left:
            st.subheader("Top clusters")
            if per_cluster.height:
                top = with_cluster_links(per_cluster.head(10))
                st.dataframe(top.select("cluster", "title", "failure_class", "events", "last_seen"),
                             hide_index=True, width="stretch", column_config=cluster_table_config())
            else:
                st.caption("No clustered events in this period.")
        with right:
            st.subheader("New and regressed")
            if new.height:
                st.caption("New in this period (first seen after the start of the range)")
                st.dataframe(with_cluster_links(new).select("cluster", "title", "failure_class", "events"),
                             hide_index=True, width="stretch", column_config=cluster_table_config())
            if flags.height:
                st.caption("Regressions and spikes")
                st.dataframe(with_cluster_links(flags).select("cluster", "flag", "day", "title", "detail"),
                             hide_index=True, width="stretch", column_config=cluster_table_config())
            if not new.height and not flags.height:
                st.caption("Nothing new or regressing in this period.")

    if data.has_views("frame_attribution"):
        tool_where, tool_params = f.tool_where("fa.ai_tool")
        share = data.query(
            f"""SELECT date_trunc('week', e.ts)::DATE AS week,
                       avg(CASE WHEN fa.ai_authored THEN 1.0 ELSE 0.0 END)::DOUBLE AS ai_share,
                       count(*) FILTER (WHERE fa.ai_authored) AS ai_events, count(*) AS attributed_events
                FROM events e JOIN {data.relation("crash_sites")} fa ON fa.event_id = e.event_id
                WHERE {where} AND fa.commit_sha IS NOT NULL AND {tool_where} GROUP BY ALL ORDER BY 1""",
            [*params, *tool_params])
        st.subheader("Share of failures whose crashing line AI wrote (per week)")
        if share.height:
            st.altair_chart(alt.Chart(share.to_pandas()).mark_line(point=True).encode(
                x=alt.X("week:T", title=None), y=alt.Y("ai_share:Q", axis=alt.Axis(format="%"), title="AI share"),
                tooltip=["week:T", alt.Tooltip("ai_share:Q", format=".0%"), "ai_events:Q", "attributed_events:Q"]),
                width="stretch")
        else:
            st.caption("No crash sites blamed to a commit in this period (configure a repository in hindsight.toml "
                       "and run `hindsight run`).")

if data.has_views("incidents") and data.database_file():
    inc = data.query("SELECT incident_id, title, severity, status, started_at, resolved_at, duration_minutes "
                     "FROM incidents WHERE started_at >= ? AND started_at < ? + INTERVAL 1 DAY ORDER BY started_at DESC",
                     [f.start, f.end])
    st.subheader(f"Incidents in the period ({inc.height})")
    if inc.height:
        st.dataframe(inc, hide_index=True, width="stretch")
    else:
        st.caption("No incidents in this period.")

if data.database_file():
    st.subheader("Freshness")
    fresh = st.columns(4)
    if data.has_views("ingest_files"):
        last = data.query("SELECT max(finished_at) AS t, count(*) AS files FROM ingest_files")
        fresh[0].metric("Last ingest", str(last["t"][0])[:19] if last["t"][0] else "never")
        fresh[1].metric("Files ingested", last["files"][0])
    if data.has_views("events"):
        newest = data.query("SELECT max(ts) AS t FROM events")
        fresh[2].metric("Newest event", str(newest["t"][0])[:19] if newest.height and newest["t"][0] else "none")
    runs = data.query("SELECT status, finished_at FROM core.pipeline_runs ORDER BY started_at DESC LIMIT 1")
    fresh[3].metric("Last pipeline run", f"{runs['status'][0]} {str(runs['finished_at'][0])[:19]}" if runs.height else "never")
    st.caption(f"Snapshot published {data.snapshot_age()}; the dashboard shows the last published snapshot.")
