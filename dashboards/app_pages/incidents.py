"""Incidents: a timeline of the incidents overlapping the period (worst severity in red, ongoing ones running to
the end of the range), each with its distinct linked clusters and every kind of evidence linking them.

Figures: `incidents_in_period` (time range and services: the only filters an incident carries),
`incident_cluster_evidence`.
"""

from __future__ import annotations

from datetime import datetime, time

import polars as pl
import streamlit as st

from dashboards import charts, data
from dashboards.ui import (
    cluster_table_config,
    filters,
    plain_label,
    require_data,
    severity_scale,
    with_cluster_links,
)

st.title("Incidents")
f = filters()


def _safe_url(url: str | None) -> str | None:
    """Incident URLs come from exports: only http(s) links are offered."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def _duration(minutes: int | None) -> str:
    minutes = minutes or 0
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h" if minutes < 2880 else f"{minutes / 1440:.1f} days"


if require_data("incidents", "incidents_in_period",
                step="Ingest an incident export (PagerDuty/incident.io/CSV) with `hindsight ingest PATH`."):
    args, values = f.incident_args()
    incidents = data.query(f"SELECT * FROM incidents_in_period({args}) ORDER BY started_at", values)
    ongoing = incidents.filter(pl.col("ongoing")).height if incidents.height else 0
    st.caption(f"{incidents.height} incident(s) overlapping {f.start.isoformat()} to {f.end.isoformat()}"
               f"{f' ({ongoing} ongoing)' if ongoing else ''}; the service filter keeps incidents that name one of "
               "the services (or none).")
    if incidents.height:
        range_end = datetime.combine(f.end, time.max)
        bars = incidents.with_columns(
            pl.coalesce(pl.col("resolved_at"), pl.lit(range_end)).alias("ended_at"),
            pl.when(pl.col("ongoing")).then(pl.lit("ongoing →")).otherwise(pl.lit("")).alias("state"),
            pl.concat_str([pl.col("incident_id"), pl.lit(" "), pl.col("title").str.slice(0, 48)]).alias("label"))
        charts.draw(charts.incident_timeline(
            bars.select("label", "incident_id", "title", "severity", "status", "started_at", "ended_at", "state",
                        "linked_clusters"), severity_scale(bars)))

        links = pl.DataFrame()
        if data.has_views("incident_cluster_evidence"):
            links = data.query("SELECT incident_id, cluster_id, cluster_title, failure_class, evidence, confidence "
                               "FROM incident_cluster_evidence ORDER BY incident_id, confidence DESC, cluster_id")
        for row in incidents.sort("severity_rank", "started_at", nulls_last=True).iter_rows(named=True):
            linked = links.filter(pl.col("incident_id") == row["incident_id"]) if links.height else links
            state = "ongoing" if row["ongoing"] else f"lasted {_duration(row['duration_minutes'])}"
            label = (f"{row['incident_id']} · {row['severity'] or '?'} · {row['status'] or '?'} · {state} · "
                     f"{row['linked_clusters']} linked cluster(s) · {row['title'] or ''}")
            with st.expander(plain_label(label, limit=150)):
                st.text(row["title"] or "")  # production text: rendered as plain text
                st.text(f"started {row['started_at']}   resolved {row['resolved_at'] or '— (ongoing)'}   "
                        f"services {', '.join(row['services'] or [])}")
                url = _safe_url(row["url"])
                if url:
                    st.link_button("Open the incident", url)
                if linked.height:
                    st.dataframe(with_cluster_links(linked.drop("incident_id")), hide_index=True, width="stretch",
                                 column_config={**cluster_table_config(),
                                                "confidence": st.column_config.NumberColumn(format="%.2f")})
                else:
                    st.caption("No linked clusters.")
    else:
        st.caption("No incidents in this period — widen the time range in the sidebar.")
