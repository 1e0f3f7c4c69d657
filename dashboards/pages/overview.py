"""Overview: what is failing, what is new or regressing, how much AI-written code causes, data freshness."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboards import data
from dashboards.ui import cluster_link, filters, require_data

st.title("Overview")
f = filters()
where, params = f.events_where("e")

if require_data("events", step="Ingest error events with `hindsight ingest` and run `hindsight run`."):
    totals = data.query(
        f"SELECT count(*) AS events, count(DISTINCT release) AS releases, count(DISTINCT service) AS services "
        f"FROM events e WHERE {where}", params)
    cols = st.columns(5)
    cols[0].metric("Error events", f"{totals['events'][0]:,}")
    cols[1].metric("Releases", totals["releases"][0])
    cols[2].metric("Services", totals["services"][0])

    daily = data.query(f"SELECT e.ts::DATE AS day, count(*) AS events FROM events e WHERE {where} GROUP BY ALL ORDER BY 1",
                       params)
    st.subheader("Error volume")
    if daily.height:
        st.altair_chart(
            alt.Chart(daily.to_pandas()).mark_area(opacity=0.7).encode(x="day:T", y="events:Q", tooltip=["day:T", "events:Q"]),
            width="stretch")

    if data.has_views("cluster_events", "clusters"):
        per_cluster = data.query(
            f"""SELECT c.cluster_id, c.title, c.failure_class, count(*) AS events,
                       min(e.ts) AS first_in_period, max(e.ts) AS last_seen, c.first_seen
                FROM cluster_events e JOIN clusters c USING (cluster_id)
                WHERE {where} GROUP BY ALL ORDER BY events DESC""", params)
        new = per_cluster.filter(per_cluster["first_seen"] >= per_cluster["first_in_period"]) if per_cluster.height else per_cluster
        cols[3].metric("Active clusters", per_cluster.height)
        cols[4].metric("New clusters", new.height)
        flags = None
        if data.has_views("cluster_flags"):
            flags = data.query(
                "SELECT cluster_id, flag, max(day) AS day, any_value(detail) AS detail FROM cluster_flags "
                "WHERE flag IN ('regression', 'spike') AND day BETWEEN ? AND ? GROUP BY ALL ORDER BY day DESC",
                [f.start, f.end])
        left, right = st.columns(2)
        with left:
            st.subheader("Top clusters")
            top = per_cluster.head(10).with_columns(link=per_cluster.head(10)["cluster_id"].map_elements(cluster_link, return_dtype=str)) if per_cluster.height else per_cluster
            st.dataframe(top.select([c for c in ["link", "title", "failure_class", "events", "last_seen"] if c in top.columns]) if top.height else top,
                         hide_index=True, width="stretch",
                         column_config={"link": st.column_config.LinkColumn("cluster", display_text=r"cluster=(.*)")})
        with right:
            st.subheader("New and regressed")
            if new.height:
                st.caption("New in this period")
                st.dataframe(new.select(["cluster_id", "title", "failure_class", "events"]), hide_index=True, width="stretch")
            if flags is not None and flags.height:
                st.caption("Regressions and spikes")
                st.dataframe(flags, hide_index=True, width="stretch")
            if not new.height and (flags is None or not flags.height):
                st.caption("Nothing new or regressing in this period.")

    if data.has_views("frame_attribution"):
        share = data.query(
            f"""SELECT date_trunc('week', e.ts)::DATE AS week,
                       avg(CASE WHEN fa.ai_authored THEN 1.0 ELSE 0.0 END) AS ai_share, count(*) AS events
                FROM events e JOIN frame_attribution fa ON fa.event_id = e.event_id AND fa.is_crash_site
                WHERE {where} AND fa.status = 'resolved' GROUP BY ALL ORDER BY 1""", params)
        st.subheader("Share of failures whose crashing line AI wrote")
        if share.height:
            st.altair_chart(alt.Chart(share.to_pandas()).mark_line(point=True).encode(
                x="week:T", y=alt.Y("ai_share:Q", axis=alt.Axis(format="%")), tooltip=["week:T", "ai_share:Q", "events:Q"]),
                width="stretch")
        else:
            st.caption("No attributed crash sites in this period.")

if data.has_views("incidents") and data.database_file():
    inc = data.query("SELECT incident_id, title, severity, status, started_at, resolved_at FROM incidents "
                     "WHERE started_at >= ? AND started_at < ? + INTERVAL 1 DAY ORDER BY started_at DESC",
                     [f.start, f.end])
    st.subheader(f"Incidents in the period ({inc.height})")
    if inc.height:
        st.dataframe(inc, hide_index=True, width="stretch")

if data.database_file():
    st.subheader("Freshness")
    fresh = st.columns(3)
    if data.has_views("ingest_files"):
        last = data.query("SELECT max(finished_at) AS t, count(*) AS files FROM ingest_files")
        fresh[0].metric("Last ingest", str(last["t"][0])[:19] if last["t"][0] else "never")
        fresh[1].metric("Files ingested", last["files"][0])
    runs = data.query("SELECT status, finished_at FROM core.pipeline_runs ORDER BY started_at DESC LIMIT 1")
    fresh[2].metric("Last pipeline run", f"{runs['status'][0]} {str(runs['finished_at'][0])[:19]}" if runs.height else "never")
