"""Clusters: every failure pattern in the selection, ranked by cost (the Overview's ranking, all rows), with a
daily sparkline and who wrote its crashing lines. Figures: `failure_patterns`, `pattern_daily`."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import data
from dashboards.links import dagster_asset_url
from dashboards.ui import author_label, cluster_table_config, filters, require_data, with_cluster_links

st.title("Clusters")
f = filters()

if require_data("failure_events", "failure_patterns", step="Run `hindsight run` to build signatures and clusters."):
    table = data.figure("failure_patterns", f, "ORDER BY cost_rank")
    daily = data.figure("pattern_daily", f, "", [[]], extra_args=", ?::VARCHAR[]")
    if table.height:
        days = pl.DataFrame({"day": pl.date_range(f.start, f.end, "1d", eager=True)})
        grid = (days.join(table.select("cluster_id"), how="cross")
                .join(daily.select("cluster_id", "day", "events"), on=["cluster_id", "day"], how="left")
                .with_columns(pl.col("events").fill_null(0)).sort("cluster_id", "day")
                .group_by("cluster_id", maintain_order=True).agg(pl.col("events").alias("daily")))
        table = table.join(grid, on="cluster_id", how="left").sort("cost_rank")
    classes = sorted(set(table["failure_class"].to_list())) if table.height else []
    picked = st.multiselect("Failure class", classes, key="clusters_class",
                            help="Narrows this table only; the sidebar filters apply to every figure.")
    if picked:
        table = table.filter(pl.col("failure_class").is_in(picked))
    st.caption(f"{table.height} pattern(s) with failures in the selection, ranked by affected requests, then "
               "incidents, then events. Click a cluster id to drill down; clusters are built by the Dagster asset "
               f"[clusters]({dagster_asset_url('clusters')}).")
    if table.height:
        shown = with_cluster_links(table).with_columns(
            pl.struct("top_author", "top_author_share").map_elements(
                lambda r: author_label(r["top_author"], r["top_author_share"]), return_dtype=pl.String
            ).alias("written_by"))
        st.dataframe(
            shown.select("cost_rank", "cluster", "requests", "events", "incidents", "services", "trend", "daily",
                         "failure_class", "written_by", "title", "is_new", "first_seen", "last_seen", "service_list"),
            hide_index=True, width="stretch",
            column_config={
                **cluster_table_config(),
                "cost_rank": st.column_config.NumberColumn("#", width=40),
                "trend": st.column_config.NumberColumn("7-day trend", format="%+d"),
                "daily": st.column_config.LineChartColumn("events per day", width=150),
                "written_by": st.column_config.TextColumn("crashing line by"),
                "title": st.column_config.TextColumn("pattern", width="large"),
                "is_new": st.column_config.CheckboxColumn("new", help="First seen inside the selected range"),
            })
    else:
        st.caption("No clustered failures match the filters — widen the time range or clear filters in the sidebar.")
