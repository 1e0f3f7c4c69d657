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

if require_data("frame_attribution", step="Configure a repository in hindsight.toml and run `hindsight run`."):
    by_tool = data.query(
        f"""SELECT coalesce(fa.ai_tool, CASE WHEN fa.ai_authored THEN 'ai (unknown tool)' ELSE 'unknown/human' END) AS author,
                   count(*) AS failures, count(DISTINCT fa.repo_path || ':' || fa.line) AS crash_sites
            FROM frame_attribution fa JOIN events e USING (event_id)
            WHERE fa.is_crash_site AND fa.status = 'resolved' AND {where} AND {tool_where}
            GROUP BY ALL ORDER BY failures DESC""", [*params, *tool_params])
    st.subheader("Failures by who wrote the crashing line")
    if by_tool.height:
        st.altair_chart(alt.Chart(by_tool.to_pandas()).mark_bar().encode(
            x="failures:Q", y=alt.Y("author:N", sort="-x"), tooltip=["author", "failures", "crash_sites"]), width="stretch")
    st.dataframe(by_tool, hide_index=True, width="stretch")

    if data.has_views("ai_failure_rates"):
        st.subheader("Failures per 1,000 lines changed")
        st.caption("Normalised by how much code each author kind wrote in the same period and paths; small counts mean wide uncertainty.")
        st.dataframe(data.query("SELECT * FROM ai_failure_rates"), hide_index=True, width="stretch")

    st.subheader("Top AI-written crash sites")
    top = data.query(
        f"""SELECT fa.repo_path, fa.line, fa.ai_tool, fa.commit_sha, count(*) AS events
            FROM frame_attribution fa JOIN events e USING (event_id)
            WHERE fa.is_crash_site AND fa.ai_authored AND {where} AND {tool_where}
            GROUP BY ALL ORDER BY events DESC LIMIT 20""", [*params, *tool_params])
    st.dataframe(top, hide_index=True, width="stretch")

    st.subheader("Trend by release")
    rel = data.query(
        f"""SELECT e.release, avg(CASE WHEN fa.ai_authored THEN 1.0 ELSE 0.0 END) AS ai_share, count(*) AS failures
            FROM frame_attribution fa JOIN events e USING (event_id)
            WHERE fa.is_crash_site AND fa.status = 'resolved' AND {where} GROUP BY ALL ORDER BY min(e.ts)""", params)
    if rel.height:
        st.altair_chart(alt.Chart(rel.to_pandas()).mark_bar().encode(
            x=alt.X("release:N", sort=None), y="failures:Q", color=alt.Color("ai_share:Q", scale=alt.Scale(scheme="oranges")),
            tooltip=["release", "failures", "ai_share"]), width="stretch")
