"""AI attribution: failures per tool vs humans, normalised rates with counts, top AI-written crash sites."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboards import data
from dashboards.ui import filters, require_data

st.title("AI attribution")
f = filters()
where, params = f.events_where("e")
tool_where, tool_params = f.tool_where("fa.ai_tool")
sites = data.relation("crash_sites")  # crash-site frames with blame and author (precomputed in the snapshot)
STEP = "Configure a repository in hindsight.toml and run `hindsight run` (history → attribution)."

ready = require_data("events", "frame_attribution", step=STEP)
if ready and not data.query(f"SELECT count(*) AS n FROM (SELECT 1 FROM {sites} LIMIT 1)")["n"][0]:
    st.info(f"No crash site has been resolved in the repository yet. {STEP}")
    ready = False
if ready:
    # Author of each crashing line: the AI tool, or 'unknown/human' when no AI marker covers it.
    by_tool = data.query(
        f"""SELECT CASE WHEN fa.ai_authored THEN coalesce(fa.ai_tool, 'generic') ELSE 'unknown/human' END AS author,
                   count(*) AS events, count(DISTINCT fa.repo_path || ':' || fa.line) AS crash_sites,
                   count(DISTINCT fa.commit_sha) AS commits
            FROM {sites} fa JOIN events e USING (event_id)
            WHERE fa.is_crash_site AND fa.commit_sha IS NOT NULL AND {where} AND {tool_where}
            GROUP BY ALL ORDER BY events DESC""", [*params, *tool_params])
    st.subheader("Failures by who wrote the crashing line")
    if by_tool.height:
        total = by_tool["events"].sum()
        ai = by_tool.filter(by_tool["author"] != "unknown/human")["events"].sum()
        st.metric("AI-written share of blamed failures", f"{ai / total:.0%}", help=f"{ai:,} of {total:,} events")
        st.altair_chart(alt.Chart(by_tool.to_pandas()).mark_bar().encode(
            x=alt.X("events:Q", title="events"), y=alt.Y("author:N", sort="-x", title=None),
            color=alt.condition(alt.datum.author == "unknown/human", alt.value("#9aa5b1"), alt.value("#e4572e")),
            tooltip=["author", "events", "crash_sites", "commits"]), width="stretch")
        st.dataframe(by_tool, hide_index=True, width="stretch")
    else:
        st.caption("No crash site in the period was blamed to a commit.")

    if data.has_views("ai_failure_rates"):
        st.subheader("Failures per 1,000 lines added, per tool (with counts)")
        st.caption("A failure is a cluster whose crash sites the tool mostly wrote; lines are the lines the tool's commits "
                   "added in the same period and files. Small counts mean wide uncertainty — read the counts.")
        rates = data.query(
            "SELECT repo, tool, failures, events, crash_sites, commits, lines_added::BIGINT AS lines_added, "
            "failures_per_kloc::DOUBLE AS failures_per_kloc, "
            "events_per_kloc::DOUBLE AS events_per_kloc "
            f"FROM {data.relation('ai_failure_rates')} ORDER BY failures_per_kloc DESC NULLS LAST, tool")
        if rates.height:
            st.altair_chart(alt.Chart(rates.to_pandas()).mark_bar().encode(
                x=alt.X("failures_per_kloc:Q", title="failing clusters per 1,000 lines added"),
                y=alt.Y("tool:N", sort="-x", title=None),
                tooltip=["repo", "tool", "failures", "lines_added", "failures_per_kloc", "events_per_kloc"]),
                width="stretch")
            st.dataframe(rates, hide_index=True, width="stretch")
        else:
            st.caption("No rates yet (needs blamed crash sites and commit history).")

    st.subheader("Top AI-written crash sites")
    top = data.query(
        f"""SELECT fa.repo_path, fa.line, fa.function, any_value(fr.context_line) AS code, fa.ai_tool, fa.commit_sha,
                   count(*) AS events, min(e.ts) AS first_seen, max(e.ts) AS last_seen
            FROM {sites} fa JOIN events e USING (event_id)
            JOIN frames fr USING (event_id, exception_index, frame_index)
            WHERE fa.is_crash_site AND fa.ai_authored AND {where} AND {tool_where}
            GROUP BY fa.repo_path, fa.line, fa.function, fa.ai_tool, fa.commit_sha
            ORDER BY events DESC LIMIT 20""", [*params, *tool_params])
    if top.height:
        st.dataframe(top, hide_index=True, width="stretch")
    else:
        st.caption("No AI-written crash site in the period.")

    st.subheader("Trend by release")
    rel = data.query(
        f"""SELECT e.release, min(e.ts) AS first_event,
                   CASE WHEN fa.ai_authored THEN 'AI-written' ELSE 'human / unknown' END AS author, count(*) AS events
            FROM {sites} fa JOIN events e USING (event_id)
            WHERE fa.is_crash_site AND fa.commit_sha IS NOT NULL AND e.release IS NOT NULL AND {where}
            GROUP BY ALL ORDER BY first_event""", params)
    if rel.height:
        st.altair_chart(alt.Chart(rel.to_pandas()).mark_bar().encode(
            x=alt.X("release:N", sort=alt.EncodingSortField("first_event", op="min"), title=None),
            y=alt.Y("events:Q", stack=True), color=alt.Color("author:N", scale=alt.Scale(range=["#e4572e", "#9aa5b1"])),
            tooltip=["release", "author", "events"]), width="stretch")
    if data.has_views("release_attribution"):
        intro = data.query("SELECT release, released_at, new_clusters, ai_introduced FROM release_attribution "
                           "ORDER BY released_at")
        if intro.height:
            st.caption("Clusters first seen on each release, and how many of them an AI-authored top suspect introduced")
            st.dataframe(intro, hide_index=True, width="stretch")
