"""One cluster: representative stack trace, frames with their blamed commit, samples, incidents, suspects, rules."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import data
from dashboards.ui import filters, require_data

st.title("Cluster detail")
f = filters()

if require_data("clusters", step="Run `hindsight run` to build clusters."):
    ids = data.query("SELECT cluster_id, title FROM clusters WHERE status = 'active' ORDER BY event_count DESC")
    options = ids["cluster_id"].to_list()
    wanted = st.query_params.get("cluster")
    index = options.index(wanted) if wanted in options else 0
    cluster_id = st.selectbox("Cluster", options, index=index, key="cluster_pick",
                              format_func=lambda c: f"{c} — {ids.filter(pl.col('cluster_id') == c)['title'][0]}")
    st.query_params["cluster"] = cluster_id
    c = data.query("SELECT * FROM clusters WHERE cluster_id = ?", [cluster_id]).row(0, named=True)

    st.text(c.get("title") or "")  # production text: plain text only
    cols = st.columns(4)
    cols[0].metric("Events", f"{c.get('event_count') or 0:,}")
    cols[1].metric("Failure class", c.get("failure_class") or "unknown")
    cols[2].metric("First seen", str(c.get("first_seen"))[:16])
    cols[3].metric("Last seen", str(c.get("last_seen"))[:16])
    st.caption(f"releases: {', '.join(c.get('releases') or [])} · services: {', '.join(c.get('services') or [])}")

    rep = c.get("representative_event_id")
    if rep:
        st.subheader("Representative stack trace")
        frames = data.query(
            "SELECT x.type, x.value, f.exception_index, f.frame_index, f.abs_path, f.filename, f.function, f.lineno, "
            "f.context_line, f.in_app FROM frames f JOIN exceptions x USING (event_id, exception_index) "
            "WHERE f.event_id = ? ORDER BY f.exception_index, f.frame_index", [rep])
        lines = []
        for exc_index in sorted(set(frames["exception_index"].to_list())) if frames.height else []:
            part = frames.filter(pl.col("exception_index") == exc_index)
            lines.append("Traceback (most recent call last):")
            for fr in part.iter_rows(named=True):
                marker = "" if fr["in_app"] else "  [library]"
                lines.append(f'  File "{fr["abs_path"] or fr["filename"]}", line {fr["lineno"]}, in {fr["function"]}{marker}')
                if fr["context_line"]:
                    lines.append(f"    {fr['context_line'].strip()}")
            lines.append(f"{part['type'][0]}: {part['value'][0]}")
        st.code("\n".join(lines) or "(no frames)", language=None)

        if data.has_views("frame_attribution"):
            st.subheader("Frames → code line → blamed commit")
            fa = data.query("SELECT * FROM frame_attribution WHERE event_id = ? ORDER BY exception_index, frame_index DESC", [rep])
            st.dataframe(fa.drop("event_id"), hide_index=True, width="stretch")

    if data.has_views("suspect_commits"):
        st.subheader("Suspect commits")
        sus = data.query("SELECT * FROM suspect_commits WHERE cluster_id = ? ORDER BY rank", [cluster_id])
        st.dataframe(sus.drop("cluster_id") if sus.height else sus, hide_index=True, width="stretch")

    if data.has_views("cluster_events"):
        where, params = f.events_where("ce")
        st.subheader("Sample events")
        sample = data.query(
            f"SELECT e.event_id, e.ts, e.release, e.service, e.environment, e.exception_type, e.exception_value "
            f"FROM cluster_events ce JOIN events e USING (event_id) WHERE ce.cluster_id = ? AND {where} "
            f"ORDER BY e.ts DESC LIMIT 20", [cluster_id, *params])
        st.dataframe(sample, hide_index=True, width="stretch")

    if data.has_views("incident_clusters"):
        inc = data.query("SELECT l.*, i.title, i.severity FROM incident_clusters l JOIN incidents i USING (incident_id) "
                         "WHERE l.cluster_id = ?", [cluster_id])
        st.subheader(f"Linked incidents ({inc.height})")
        if inc.height:
            st.dataframe(inc, hide_index=True, width="stretch")

    rules = data.query("SELECT r.rule_id, r.engine, r.severity, r.failure_class, r.pack_version FROM core.rules r "
                       "WHERE list_contains(r.cluster_ids, ?) AND r.pack_version = (SELECT max(version) FROM core.rule_packs)",
                       [cluster_id])
    st.subheader("Rules this cluster produced")
    if rules.height:
        st.dataframe(rules, hide_index=True, width="stretch")
    else:
        st.caption("No rule cites this cluster yet (run `hindsight run` or `hindsight export rules`).")
