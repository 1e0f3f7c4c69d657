"""AI attribution: who wrote the lines that fail, and how often a written line fails, AI tools vs humans.

One definition per figure (sql/views/70_dashboard.sql): `author_failure_rates` (every author table and chart on
this page), `file_failure_rates`, `release_health`; all with the sidebar filters.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import charts, data
from dashboards.links import with_commit_links
from dashboards.ui import cluster_table_config, filters, plain_label, require_data, with_cluster_links

st.title("AI attribution")
f = filters()
STEP = "Configure a repository in hindsight.toml and run `hindsight run` (history → attribution)."
MIN_LINES = 100  # the macros' default `min_lines`: fewer lines written are listed, not ranked


ready = require_data("failure_events", "author_failure_rates", step=STEP)
blamed = data.query("SELECT count(*) AS n FROM (SELECT 1 FROM failure_events WHERE author IS NOT NULL LIMIT 1)") \
    if ready else None
if ready and not blamed["n"][0]:
    st.info(f"No crashing line has been blamed to a commit yet. {STEP}")
    ready = False
if ready:
    by_kind = data.figure("author_failure_rates", f, "", [True], extra_args=", by_kind := ?")
    by_author = data.figure("author_failure_rates", f, "ORDER BY ranked DESC, rate_rank, events DESC, author")
    st.caption("A failing line is a line, as its author wrote it, that was the crashing line of a failure in the "
               "selection; lines written are the lines the author added to the files that ran in production "
               f"(95% Wilson intervals). Fewer than {MIN_LINES} lines written: listed, not ranked. 'unknown/human' "
               "is code without an AI marker.")

    st.subheader("Failing lines per 1,000 lines written: AI vs human")
    if by_kind.filter(pl.col("lines_written") > 0).height:
        cols = st.columns(len(by_kind))
        for col, row in zip(cols, by_kind.sort("author").iter_rows(named=True), strict=True):
            rate = "—" if row["failing_lines_per_kloc"] is None else f"{row['failing_lines_per_kloc']:.1f}"
            interval = ("" if row["ci_low_per_kloc"] is None
                        else f"95% CI {row['ci_low_per_kloc']:.1f}–{row['ci_high_per_kloc']:.1f}; ")
            col.metric(plain_label(f"{row['author']}: per 1,000 lines"), rate,
                       help=f"{interval}{row['failing_lines']} failing of {row['lines_written']:,} lines written; "
                            f"{row['events']:,} events")
        # one chart: AI (any tool) and unknown/human first, then every tool on its own
        tools = by_author.filter(pl.col("is_ai") & (pl.col("lines_written") > 0))
        charted = pl.concat([by_kind.filter(pl.col("lines_written") > 0).sort("author"), tools], how="diagonal_relaxed")
        charts.draw(charts.rate_intervals(charted, "failing lines per 1,000 written", MIN_LINES))
    else:
        st.caption("No lines written are known for these authors (commit history of the files that ran).")

    st.subheader("By author of the crashing line")
    if by_author.height:
        total = by_author["events"].sum()
        ai = by_author.filter(pl.col("is_ai"))["events"].sum()
        st.caption(f"AI-written crashing lines: {ai:,} of {total:,} blamed events ({ai / total:.0%})." if total else
                   "No blamed event in the selection.")
        st.dataframe(by_author.drop("is_ai"), hide_index=True, width="stretch", column_config={
            "rate_rank": st.column_config.NumberColumn("rank", help=f"Only authors with ≥ {MIN_LINES} lines written"),
            "failing_lines_per_kloc": st.column_config.NumberColumn("failing per 1,000 lines", format="%.1f"),
            "ci_low_per_kloc": st.column_config.NumberColumn("95% CI low", format="%.1f"),
            "ci_high_per_kloc": st.column_config.NumberColumn("95% CI high", format="%.1f"),
        })

    st.subheader("By file")
    files = data.figure("file_failure_rates", f, "ORDER BY ranked DESC, rate_rank, events DESC, path")
    if files.height:
        st.caption(f"Lines written: every line ever added to the file. Files with fewer than {MIN_LINES} lines "
                   "written are listed, not ranked.")
        st.dataframe(files, hide_index=True, width="stretch", column_config={
            "rate_rank": st.column_config.NumberColumn("rank"),
            "failing_lines_per_kloc": st.column_config.NumberColumn("failing per 1,000 lines", format="%.1f"),
            "ci_low_per_kloc": st.column_config.NumberColumn("95% CI low", format="%.1f"),
            "ci_high_per_kloc": st.column_config.NumberColumn("95% CI high", format="%.1f"),
        })

    st.subheader("Top AI-written crash sites")
    args, values = f.macro_args()
    top = data.query(
        f"""SELECT repo, crash_path, crash_line, author, commit_sha, count(*) AS events,
                   count(DISTINCT request_id) AS requests, any_value(cluster_id) AS cluster_id,
                   min(ts) AS first_seen, max(ts) AS last_seen
            FROM filtered_failures({args}) WHERE author IS NOT NULL AND author <> 'unknown/human'
            GROUP BY ALL ORDER BY requests DESC, events DESC LIMIT 20""", values)
    if top.height:
        top, links = with_commit_links(top)
        st.dataframe(with_cluster_links(top), hide_index=True, width="stretch",
                     column_config={**cluster_table_config(), **links})
    else:
        st.caption("No AI-written crash site in the selection.")

    st.subheader("Release over release: share of blamed failures whose crashing line AI wrote")
    health = data.figure("release_health", f, "ORDER BY release_order")
    health = health.filter(pl.col("blamed_events") > 0) if health.height else health
    if health.height:
        charts.draw(charts.ai_share_by_release(health))
        st.caption("Per release: events whose crashing line AI wrote / events whose crashing line was blamed. "
                   "Events of one bug are not independent, so read the interval as a lower bound on uncertainty.")
    else:
        st.caption("No blamed failure in the selection carries a release.")
