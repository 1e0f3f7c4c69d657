"""One cluster: representative stack trace, frames with their blamed commit, samples, incidents, suspects, rules."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import data
from dashboards.ui import filters, require_data

st.title("Cluster detail")
f = filters()


def _traceback(frames: pl.DataFrame) -> str:
    """A Python-style traceback from the representative event's frames (shown with st.code, never rendered)."""
    lines: list[str] = []
    for exc_index in sorted(set(frames["exception_index"].to_list())):
        part = frames.filter(pl.col("exception_index") == exc_index)
        lines.append("Traceback (most recent call last):")
        for fr in part.iter_rows(named=True):
            marker = "" if fr["in_app"] else "  [library]"
            lines.append(f'  File "{fr["abs_path"] or fr["filename"]}", line {fr["lineno"]}, in {fr["function"]}{marker}')
            if fr["context_line"]:
                lines.append(f"    {fr['context_line'].strip()}")
        lines.append(f"{part['type'][0]}: {part['value'][0]}")
    return "\n".join(lines)


if require_data("clusters", step="Run `hindsight run` to build clusters."):
    ids = data.query("SELECT cluster_id, title FROM clusters WHERE status = 'active' ORDER BY event_count DESC, cluster_id")
    wanted = st.query_params.get("cluster")
    if wanted and wanted not in ids["cluster_id"].to_list():  # a merged id resolves to the cluster it merged into
        merged = data.query("SELECT merged_into FROM clusters WHERE cluster_id = ?", [wanted])
        wanted = merged["merged_into"][0] if merged.height else None
    options = ids["cluster_id"].to_list()
    titles = dict(zip(options, ids["title"].to_list(), strict=True))
    if not options:
        st.info("No active clusters yet. Run `hindsight run` to build clusters.")
        st.stop()
    index = options.index(wanted) if wanted in options else 0
    cluster_id = st.selectbox("Cluster", options, index=index, key=f"cluster_pick_{wanted}",
                              format_func=lambda c: f"{c} — {(titles.get(c) or '')[:100]}")
    st.query_params["cluster"] = cluster_id
    c = data.query("SELECT * FROM clusters WHERE cluster_id = ?", [cluster_id]).row(0, named=True)

    st.text(c.get("title") or "")  # production text: plain text only
    cols = st.columns([1, 3])
    cols[0].metric("Events (all time)", f"{c.get('event_count') or 0:,}")
    cols[1].text(f"failure class: {c.get('failure_class') or 'unknown'}\n"
                 f"first seen:    {str(c.get('first_seen'))[:19]}\nlast seen:     {str(c.get('last_seen'))[:19]}\n"
                 f"releases:      {', '.join(c.get('releases') or [])}\nservices:      {', '.join(c.get('services') or [])}")

    if data.has_views("cluster_daily"):
        daily = data.query("SELECT day, events FROM cluster_daily WHERE cluster_id = ? ORDER BY day", [cluster_id])
        if daily.height:
            st.bar_chart(daily.to_pandas(), x="day", y="events", height=160)

    rep = c.get("representative_event_id")
    if rep:
        st.subheader("Representative stack trace")
        frames = data.query(
            "SELECT x.type, x.value, f.exception_index, f.frame_index, f.abs_path, f.filename, f.function, f.lineno, "
            "f.context_line, f.in_app FROM frames f JOIN exceptions x USING (event_id, exception_index) "
            "WHERE f.event_id = ? ORDER BY f.exception_index, f.frame_index", [rep])
        st.code(_traceback(frames) if frames.height else "(no frames)", language=None)

        if data.has_views("frame_attribution"):
            st.subheader("Frames → code line → blamed commit")
            fa = data.query(
                "SELECT fa.is_crash_site AS crash_site, fa.repo_path, fa.line, fa.function, fr.context_line AS code, "
                "fa.commit_sha, fa.author_name, fa.authored_at, fa.ai_authored, fa.ai_tool, fa.ai_evidence, fa.status, "
                "fa.reason FROM frame_attribution fa "
                "JOIN frames fr USING (event_id, exception_index, frame_index) "
                "WHERE fa.event_id = ? AND (fr.in_app OR fa.status = 'resolved' OR fa.is_crash_site) "
                "ORDER BY fa.exception_index DESC, fa.frame_index DESC", [rep])
            st.dataframe(fa, hide_index=True, width="stretch",
                         column_config={"crash_site": st.column_config.CheckboxColumn("crash site")})

    if data.has_views("suspect_commits"):
        st.subheader("Suspect commits")
        sus = data.query("SELECT rank, commit_sha, score, method, subject, author_name, authored_at, ai_authored, ai_tool, "
                         "fix_commit FROM suspect_commits WHERE cluster_id = ? ORDER BY rank", [cluster_id])
        if sus.height:
            st.dataframe(sus, hide_index=True, width="stretch")
        else:
            st.caption("No suspect commits (no crash site of this cluster was blamed to a commit).")

    if data.has_views("cluster_events"):
        where, params = f.events_where("e")
        st.subheader("Sample events (in the filtered period)")
        sample = data.query(
            f"SELECT e.event_id, e.ts, e.release, e.service, e.environment, e.exception_type, e.exception_value, e.message "
            f"FROM cluster_events ce JOIN events e USING (event_id) WHERE ce.cluster_id = ? AND {where} "
            f"ORDER BY e.ts DESC LIMIT 20", [cluster_id, *params])
        if sample.height:
            st.dataframe(sample, hide_index=True, width="stretch")
        else:
            st.caption("No events of this cluster match the filters.")

    if data.has_views("incident_clusters"):
        inc = data.query("SELECT incident_id, incident_title, severity, started_at, resolved_at, evidence, confidence "
                         "FROM incident_clusters WHERE cluster_id = ? ORDER BY started_at", [cluster_id])
        st.subheader(f"Linked incidents ({inc.height})")
        if inc.height:
            st.dataframe(inc, hide_index=True, width="stretch")

    st.subheader("Rules and guidance this cluster produced")
    rules = data.query(
        "SELECT r.rule_id, r.engine, r.severity, r.failure_class, r.message, r.pack_version FROM core.rules r "
        "WHERE list_contains(r.cluster_ids, ?) AND r.pack_version = "
        "(SELECT version FROM core.rule_packs ORDER BY created_at DESC, version DESC LIMIT 1)", [cluster_id])
    if rules.height:
        st.dataframe(rules, hide_index=True, width="stretch")
    else:
        st.caption("No rule of the current pack cites this cluster (run `hindsight run` or `hindsight export`).")
    guidance = data.query(
        "SELECT g.path, g.format FROM core.guidance_files g WHERE contains(g.content, ?) AND g.pack_version = "
        "(SELECT version FROM core.rule_packs ORDER BY created_at DESC, version DESC LIMIT 1)", [cluster_id])
    if guidance.height:
        st.text("Cited in guidance files: " + ", ".join(guidance["path"].to_list()))
