"""Clusters: every recurring failure in the period, sortable, with a daily trend and its AI share."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import data
from dashboards.ui import cluster_link, filters, require_data

st.title("Clusters")
f = filters()
where, params = f.events_where("e")

if require_data("clusters", "cluster_events", step="Run `hindsight run` to build signatures and clusters."):
    table = data.query(
        f"""WITH days AS (SELECT unnest(range(?::DATE, ?::DATE + INTERVAL 1 DAY, INTERVAL 1 DAY))::DATE AS day),
                 per_day AS (SELECT cluster_id, e.ts::DATE AS day, count(*) AS n FROM cluster_events e
                             WHERE {where} GROUP BY ALL),
                 active AS (SELECT DISTINCT cluster_id FROM per_day)
            SELECT c.cluster_id, c.title, c.failure_class,
                   (SELECT sum(n) FROM per_day p WHERE p.cluster_id = c.cluster_id) AS events,
                   list((SELECT coalesce(sum(n), 0) FROM per_day p WHERE p.cluster_id = c.cluster_id AND p.day = d.day)
                        ORDER BY d.day) AS trend,
                   c.first_seen, c.last_seen, c.releases, c.services
            FROM clusters c JOIN active USING (cluster_id) CROSS JOIN days d
            GROUP BY ALL ORDER BY events DESC""",
        [f.start, f.end, *params])
    if data.has_views("cluster_attribution") and table.height:
        ai = data.query("SELECT * FROM cluster_attribution")
        share_col = next((c for c in ("ai_event_share", "ai_share", "ai_events_share") if c in ai.columns), None)
        if share_col:
            table = table.join(ai.select("cluster_id", pl.col(share_col).alias("ai_share")), on="cluster_id", how="left")
    classes = sorted(set(table["failure_class"].to_list())) if table.height else []
    picked = st.multiselect("Failure class", classes, key="clusters_class")
    if picked:
        table = table.filter(pl.col("failure_class").is_in(picked))
    st.caption(f"{table.height} cluster(s) with events in the period — click a cluster id to drill down")
    if table.height:
        table = table.with_columns(pl.col("cluster_id").map_elements(cluster_link, return_dtype=pl.String).alias("cluster"))
        columns = ["cluster", "title", "failure_class", "events", "trend", "ai_share", "first_seen", "last_seen",
                   "releases", "services"]
        st.dataframe(
            table.select([c for c in columns if c in table.columns]),
            hide_index=True, width="stretch",
            column_config={
                "cluster": st.column_config.LinkColumn("cluster", display_text=r"cluster=(.*)"),
                "trend": st.column_config.LineChartColumn("daily events"),
                "ai_share": st.column_config.ProgressColumn("AI share", min_value=0.0, max_value=1.0, format="percent"),
            },
        )
