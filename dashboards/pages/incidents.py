"""Incidents: a timeline of the period's incidents, each with the clusters linked to it."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from dashboards import data
from dashboards.ui import filters, require_data

st.title("Incidents")
f = filters()

if require_data("incidents", step="Ingest an incident export (CSV/JSON) with `hindsight ingest`."):
    incidents = data.query(
        "SELECT incident_id, title, severity, status, started_at, coalesce(resolved_at, started_at + INTERVAL 1 HOUR) AS ended_at, "
        "resolved_at, services FROM incidents WHERE started_at >= ? AND started_at < ? + INTERVAL 1 DAY ORDER BY started_at",
        [f.start, f.end])
    st.caption(f"{incidents.height} incident(s) in the period")
    if incidents.height:
        chart = alt.Chart(incidents.select("incident_id", "title", "severity", "started_at", "ended_at").to_pandas()).mark_bar().encode(
            x="started_at:T", x2="ended_at:T", y=alt.Y("incident_id:N", sort=None), color="severity:N",
            tooltip=["incident_id", "title", "severity", "started_at:T", "ended_at:T"])
        st.altair_chart(chart, width="stretch")
        links = pl.DataFrame()
        if data.has_views("incident_clusters", "clusters"):
            links = data.query(
                "SELECT l.incident_id, l.cluster_id, c.title AS cluster_title, c.failure_class, l.evidence, l.confidence "
                "FROM incident_clusters l JOIN clusters c USING (cluster_id) ORDER BY l.incident_id, l.confidence DESC")
        for row in incidents.iter_rows(named=True):
            with st.expander(f"{row['incident_id']} · {row['severity'] or '?'} · {row['status'] or '?'}"):
                st.text(row["title"])  # production text: rendered as plain text
                st.text(f"started {row['started_at']}  resolved {row['resolved_at'] or '—'}  services {row['services']}")
                linked = links.filter(pl.col("incident_id") == row["incident_id"]) if links.height else links
                if linked.height:
                    st.dataframe(linked.drop("incident_id"), hide_index=True, width="stretch")
                else:
                    st.caption("No linked clusters.")
