"""Clusters: every recurring failure in the period, sortable, with a daily trend and its AI share."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import data
from dashboards.ui import cluster_table_config, filters, require_data, with_cluster_links

st.title("Clusters")
f = filters()
where, params = f.events_where("e")

if require_data("clusters", "cluster_events", step="Run `hindsight run` to build signatures and clusters."):
    # One row per cluster with events in the period; `trend` is the daily count over the whole range (zeros included).
    table = data.query(
        f"""WITH days AS (SELECT unnest(generate_series(?::DATE, ?::DATE, INTERVAL 1 DAY))::DATE AS day),
                 per_day AS (SELECT cluster_id, e.ts::DATE AS day, count(*) AS n FROM cluster_events e
                             WHERE {where} GROUP BY ALL),
                 grid AS (SELECT a.cluster_id, d.day, coalesce(p.n, 0) AS n
                          FROM (SELECT DISTINCT cluster_id FROM per_day) a CROSS JOIN days d
                          LEFT JOIN per_day p ON p.cluster_id = a.cluster_id AND p.day = d.day)
            SELECT c.cluster_id, c.title, c.failure_class, sum(g.n)::BIGINT AS events, list(g.n ORDER BY g.day) AS trend,
                   c.event_count AS all_time_events, c.first_seen, c.last_seen, c.releases, c.services
            FROM grid g JOIN clusters c USING (cluster_id)
            GROUP BY ALL ORDER BY events DESC, c.cluster_id""",
        [f.start, f.end, *params])
    if data.has_views("cluster_attribution") and table.height:
        ai = data.query(f"SELECT cluster_id, ai_event_share, dominant_tool FROM {data.relation('cluster_attribution')}")
        table = table.join(ai, on="cluster_id", how="left")
    classes = sorted(set(table["failure_class"].to_list())) if table.height else []
    picked = st.multiselect("Failure class", classes, key="clusters_class")
    if picked:
        table = table.filter(pl.col("failure_class").is_in(picked))
    st.caption(f"{table.height} cluster(s) with events in the period — click a column header to sort, "
               "a cluster id to drill down. AI share is over the cluster's blamed crash sites (all time).")
    if table.height:
        columns = ["cluster", "title", "failure_class", "events", "trend", "ai_event_share", "dominant_tool",
                   "all_time_events", "first_seen", "last_seen", "releases", "services"]
        shown = with_cluster_links(table)
        st.dataframe(
            shown.select([c for c in columns if c in shown.columns]),
            hide_index=True, width="stretch",
            column_config={
                **cluster_table_config(),
                "trend": st.column_config.LineChartColumn("daily events"),
                "ai_event_share": st.column_config.ProgressColumn("AI share", min_value=0.0, max_value=1.0,
                                                                  format="percent"),
            },
        )
    else:
        st.caption("No clustered events match the filters — widen the time range or clear filters in the sidebar.")
