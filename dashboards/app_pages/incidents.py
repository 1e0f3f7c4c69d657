"""Incidents: a timeline of the period's incidents, each with the clusters linked to it."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from dashboards import data
from dashboards.ui import cluster_table_config, filters, plain_label, require_data, with_cluster_links

st.title("Incidents")
f = filters()

if require_data("incidents", step="Ingest an incident export (PagerDuty/incident.io/CSV) with `hindsight ingest PATH`."):
    incidents = data.query(
        "SELECT incident_id, title, severity, status, started_at, "
        "coalesce(resolved_at, started_at + INTERVAL 1 HOUR) AS ended_at, resolved_at, duration_minutes, services "
        "FROM incidents WHERE started_at >= ? AND started_at < ? + INTERVAL 1 DAY ORDER BY started_at",
        [f.start, f.end])
    st.caption(f"{incidents.height} incident(s) in the period")
    if incidents.height:
        chart = alt.Chart(incidents.select("incident_id", "title", "severity", "started_at", "ended_at").to_pandas())
        st.altair_chart(chart.mark_bar(size=14).encode(
            x=alt.X("started_at:T", title=None), x2="ended_at:T", y=alt.Y("incident_id:N", sort=None, title=None),
            color="severity:N", tooltip=["incident_id", "title", "severity", "started_at:T", "ended_at:T"]),
            width="stretch")
        links = pl.DataFrame()
        if data.has_views("incident_clusters"):
            links = data.query(
                "SELECT incident_id, cluster_id, cluster_title, failure_class, evidence, confidence "
                "FROM incident_clusters ORDER BY incident_id, confidence DESC")
        for row in incidents.iter_rows(named=True):
            linked = links.filter(pl.col("incident_id") == row["incident_id"]) if links.height else links
            with st.expander(f"{plain_label(row['incident_id'])} · {plain_label(row['severity'])} · "
                             f"{plain_label(row['status'])} · {linked.height} linked cluster(s)"):
                st.text(row["title"] or "")  # production text: rendered as plain text
                st.text(f"started {row['started_at']}   resolved {row['resolved_at'] or '—'}   "
                        f"services {', '.join(row['services'] or [])}")
                if linked.height:
                    st.dataframe(with_cluster_links(linked.drop("incident_id")), hide_index=True, width="stretch",
                                 column_config=cluster_table_config())
                else:
                    st.caption("No linked clusters.")
    else:
        st.caption("No incidents in this period — widen the time range in the sidebar.")
