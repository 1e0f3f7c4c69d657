"""Overview: what is costing us most and why, ranked in the first screen; what changed since the last release.

Every figure is a macro of sql/views/70_dashboard.sql called with the sidebar filters.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import charts, data
from dashboards.ui import author_label, cluster_table_config, filters, require_data, with_cluster_links

TOP = 10  # patterns ranked in the first screen
TREND_DAYS = 7
CHANGE_ORDER = ("new", "worse", "returned", "better", "not seen", "steady")  # release_changes.change, worst first

st.title("Overview")
f = filters()

if require_data("failure_events", "failure_patterns", step="Ingest error events with `hindsight ingest PATH` and "
                "run `hindsight run`."):
    patterns = data.figure("failure_patterns", f, "ORDER BY cost_rank")
    args, values = f.macro_args()
    totals = data.query(f"SELECT count(*) AS events, count(DISTINCT request_id) AS requests, "
                        f"count(DISTINCT cluster_id) AS patterns FROM filtered_failures({args})", values)
    incidents = data.figure("incidents_in_selection", f).height
    t = totals.row(0, named=True)
    st.caption(f"{f.start.isoformat()} to {f.end.isoformat()}{' (all data)' if f.default_range else ''} · "
               f"{t['events']:,} failure events · {t['requests']:,} affected requests · {t['patterns']} patterns · "
               f"{incidents} incidents · patterns ranked by affected requests, then incidents, then events")

    changes = data.figure("release_changes", f)
    if changes.height and changes["previous_release"][0] is not None:
        c0 = changes.row(0, named=True)
        parts = []
        for kind in CHANGE_ORDER[:-1]:
            ids = changes.filter(pl.col("change") == kind).sort("cluster_id")["cluster_id"].to_list()
            if ids:
                parts.append(f"{kind} {len(ids)}: {', '.join(ids[:4])}{' …' if len(ids) > 4 else ''}")
        steady = changes.filter(pl.col("change") == "steady").height
        st.text(f"Since {c0['release']} (released {str(c0['released_at'])[:10]}) vs {c0['previous_release']}, "
                f"occurrences per day: " + (" · ".join(parts) if parts else "nothing changed") +
                (f" · steady {steady}" if steady else ""))
    elif changes.height:
        st.text(f"Only one release in the selection ({changes['release'][0]}): nothing to compare it with.")
    else:
        st.text("No release in the selection: events carry no release tag.")

    if patterns.height:
        top = with_cluster_links(patterns.head(TOP)).with_columns(
            pl.struct("top_author", "top_author_share").map_elements(
                lambda r: author_label(r["top_author"], r["top_author_share"]), return_dtype=pl.String
            ).alias("written_by"))
        st.dataframe(
            top.select("cost_rank", "cluster", "requests", "events", "incidents", "services", "trend",
                       "failure_class", "written_by", "title"),
            hide_index=True, width="stretch", height=38 + 35 * top.height,
            column_config={
                **cluster_table_config(),
                "cost_rank": st.column_config.NumberColumn("#", width=40),
                "requests": st.column_config.NumberColumn("requests", width=80, format="localized",
                                                          help="Distinct requests (trace ids) that hit the failure"),
                "events": st.column_config.NumberColumn("events", width=70, format="localized"),
                "incidents": st.column_config.NumberColumn("incidents", width=75),
                "services": st.column_config.NumberColumn("services", width=70),
                "trend": st.column_config.NumberColumn(
                    f"{TREND_DAYS}-day trend", width=90, format="%+d",
                    help=f"Events in the last {TREND_DAYS} days of the range minus the {TREND_DAYS} days before"),
                "failure_class": st.column_config.TextColumn("failure class", width=170),
                "written_by": st.column_config.TextColumn(
                    "crashing line by", width=150,
                    help="Who wrote the crashing line of most of its blamed events (AI tool or unknown/human)"),
                "title": st.column_config.TextColumn("pattern", width="large"),
            })
        if patterns.height > TOP:
            st.caption(f"{patterns.height - TOP} more pattern(s) on the Clusters page.")
    else:
        st.caption("No failure in this selection — widen the time range or clear filters in the sidebar.")

    if patterns.height:
        st.subheader("Cost over time, top patterns")
        top5 = patterns.head(5)
        top_ids = top5["cluster_id"].to_list()
        daily = data.figure("pattern_daily", f, "ORDER BY day", [top_ids], extra_args=", ?::VARCHAR[]")
        # the days these patterns occurred on (not the whole range: a year of incidents would flatten them)
        first = daily["day"].min() if daily.height else f.start
        last = daily["day"].max() if daily.height else f.end
        days = pl.DataFrame({"day": pl.date_range(first, last, "1d", eager=True)})
        labels = {r["cluster_id"]: f"#{r['cost_rank']} {r['cluster_id']} {r['failure_class']}"
                  for r in top5.iter_rows(named=True)}
        series = (days.join(pl.DataFrame({"cluster_id": top_ids}), how="cross")
                  .join(daily.select("cluster_id", "day", "requests"), on=["cluster_id", "day"], how="left")
                  .with_columns(pl.col("requests").fill_null(0),
                                pl.col("cluster_id").replace_strict(labels).alias("pattern")))
        charts.draw(charts.pattern_cost_facets(series.select("pattern", "day", "requests"),
                                               [labels[c] for c in top_ids]), width="content")

    health = data.figure("release_health", f, "ORDER BY release_order")
    st.subheader("Release over release")
    if health.height:
        charts.draw(charts.release_bars(health))
        st.caption("Bars: failure events per day while the release was the newest; labels: patterns first seen on it.")
        if changes.height and changes["previous_release"][0] is not None:
            c0 = changes.row(0, named=True)
            order = {kind: i for i, kind in enumerate(CHANGE_ORDER)}
            table = changes.with_columns(pl.col("change").replace_strict(order, default=99).alias("_order")) \
                .sort("_order", "cluster_id")
            st.caption(f"Per pattern, occurrences per day on {c0['release']} against {c0['previous_release']}.")
            st.dataframe(with_cluster_links(table).select("cluster", "change", "per_day_now", "per_day_before",
                                                          "events_now", "events_before", "failure_class", "title"),
                         hide_index=True, width="stretch", column_config={
                             **cluster_table_config(),
                             "per_day_now": st.column_config.NumberColumn("per day, newest release", format="%.2f"),
                             "per_day_before": st.column_config.NumberColumn("per day, release before", format="%.2f"),
                             "title": st.column_config.TextColumn("pattern", width="large")})
    else:
        st.caption("No event in the selection carries a release.")

if data.database_file() is not None and data.has_views("incidents_in_selection"):
    inc = data.figure("incidents_in_selection", f, "ORDER BY started_at DESC").select(
        "incident_id", "severity", "status", "started_at", "resolved_at", "linked_clusters", "title")
    st.subheader(f"Incidents in the period ({inc.height})")
    if inc.height:
        st.dataframe(inc, hide_index=True, width="stretch")
    else:
        st.caption("No incidents in this period.")

if data.database_file() is not None:
    st.subheader("Freshness")
    lines = []
    if data.has_views("ingest_files"):
        last = data.query("SELECT max(finished_at) AS t, count(*) AS files FROM ingest_files")
        lines.append(f"last ingest        {str(last['t'][0])[:19] if last['t'][0] else 'never'}  "
                     f"({last['files'][0]} files in the ledger)")
    if data.has_views("data_extent"):
        extent = data.query("SELECT last_ts FROM data_extent")
        lines.append(f"newest data        {str(extent['last_ts'][0])[:19] if extent.height else 'none'}")
    runs = data.query("SELECT status, finished_at FROM core.pipeline_runs ORDER BY started_at DESC LIMIT 1")
    lines.append("last pipeline run  " + (f"{runs['status'][0]} at {str(runs['finished_at'][0])[:19]}"
                                          if runs.height else "never"))
    lines.append(f"snapshot published {data.snapshot_age()} (the dashboard shows the last published snapshot)")
    st.text("\n".join(lines))
