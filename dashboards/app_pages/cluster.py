"""One failure pattern: its cost in the selection, an example stack trace, frames → code line → blamed commit →
who wrote it, suspect commits, sample events, linked incidents, and the rules it produced."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import charts, data
from dashboards.links import dagster_asset_url, pack_file_link, rule_file, with_commit_links
from dashboards.ui import author_label, filters, plain_label, require_data

st.title("Cluster detail")
f = filters()


def _traceback(frames: pl.DataFrame) -> str:
    """A Python-style traceback from the example event's frames (shown with st.code, never rendered)."""
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


def _example_event(cluster_id: str, fallback: str | None) -> tuple[str | None, str]:
    """An event of the cluster in the selection, preferring one whose crashing line was blamed (so the frames
    below lead to a commit), newest first; else the cluster's representative event."""
    args, values = f.macro_args()
    pick = data.query(f"SELECT occurrence_id, ts, release FROM filtered_failures({args}) "
                      "WHERE cluster_id = ? AND kind = 'event' ORDER BY author IS NOT NULL DESC, ts DESC LIMIT 1",
                      [*values, cluster_id])
    if pick.height:
        row = pick.row(0, named=True)
        note = (f"example event {row['occurrence_id']} at {str(row['ts'])[:19]}, release {row['release'] or '—'} "
                "(a blamed one when the selection has one)")
        return row["occurrence_id"], note
    return fallback, f"representative event {fallback} (no event of this cluster in the selection)"


if require_data("clusters", "failure_patterns", step="Run `hindsight run` to build clusters."):
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
    # the ranking every page reads (one cached query), not a query per cluster
    cost = data.figure("failure_patterns", f, "ORDER BY cost_rank").filter(pl.col("cluster_id") == cluster_id)

    st.text(c.get("title") or "")  # production text: plain text only
    cols = st.columns([1, 1, 1, 1, 1, 2])
    if cost.height:
        k = cost.row(0, named=True)
        cols[0].metric("Requests", f"{k['requests']:,}", help="Affected requests (distinct trace ids) in the selection")
        cols[1].metric("Events", f"{k['events']:,}", help=f"In the selection; {c.get('event_count') or 0:,} all time")
        cols[2].metric("Incidents", k["incidents"])
        cols[3].metric("7-day trend", f"{k['trend']:+d}", help="Last 7 days of the range minus the 7 days before")
        cols[4].metric("Cost rank", f"#{k['cost_rank']}")
        cols[5].metric("Crashing line by", plain_label(author_label(k["top_author"], k["top_author_share"])))
    else:
        cols[0].metric("Events in the selection", 0, help=f"{c.get('event_count') or 0:,} all time")
    st.text(f"all time: failure class {c.get('failure_class') or 'unknown'} · first seen {str(c.get('first_seen'))[:19]}"
            f" · last seen {str(c.get('last_seen'))[:19]}\n"
            f"releases {', '.join(c.get('releases') or [])} · services {', '.join(c.get('services') or [])}")
    st.link_button("Open the clusters asset in Dagster", dagster_asset_url("clusters"))

    daily = data.figure("pattern_daily", f, "ORDER BY day", [[cluster_id]], extra_args=", ?::VARCHAR[]")
    if daily.height:
        days = pl.DataFrame({"day": pl.date_range(f.start, f.end, "1d", eager=True)})
        series = days.join(daily.select("day", "events", "requests"), on="day", how="left").fill_null(0)
        charts.draw(charts.daily_bars(series))

    rep, rep_note = _example_event(cluster_id, c.get("representative_event_id"))
    if rep:
        st.subheader("Example stack trace")
        st.caption(rep_note)
        frames = data.query(
            "SELECT x.type, x.value, f.exception_index, f.frame_index, f.abs_path, f.filename, f.function, f.lineno, "
            "f.context_line, f.in_app FROM frames f JOIN exceptions x USING (event_id, exception_index) "
            "WHERE f.event_id = ? ORDER BY f.exception_index, f.frame_index", [rep])
        st.code(_traceback(frames) if frames.height else "(no frames)", language=None)

        if data.has_views("frame_attribution"):
            st.subheader("Frames → code line → blamed commit")
            fa = data.query(
                "SELECT fa.is_crash_site AS crash_site, "
                "CASE WHEN fa.status = 'resolved' THEN 'blamed' ELSE fa.status || ': ' || coalesce(fa.reason, '?') "
                "END AS blame, coalesce(fa.repo_path || ':' || fa.line, fr.filename || ':' || fr.lineno) AS location, "
                "fa.repo, fa.commit_sha, "
                "CASE WHEN fa.commit_sha IS NULL THEN NULL WHEN fa.ai_authored THEN 'AI: ' || coalesce(fa.ai_tool, "
                "'generic') ELSE 'unknown/human' END AS written_by, fa.author_name, fa.authored_at, fa.function, "
                "fr.context_line AS code, fa.ai_evidence "
                "FROM frame_attribution fa JOIN frames fr USING (event_id, exception_index, frame_index) "
                "WHERE fa.event_id = ? AND (fr.in_app OR fa.status = 'resolved' OR fa.is_crash_site) "
                "ORDER BY fa.exception_index DESC, fa.frame_index DESC", [rep])
            fa, links = with_commit_links(fa)
            st.dataframe(fa.drop("repo"), hide_index=True, width="stretch",
                         column_config={"crash_site": st.column_config.CheckboxColumn("crash site", width=70),
                                        "blame": st.column_config.TextColumn("blame", width=150), **links})
            if fa.height and not fa["commit_sha"].is_not_null().any():
                st.caption("No frame of this event was blamed: `blame` says why (e.g. no_release: the event names "
                           "no release that maps to a revision of a configured repository).")

    if data.has_views("suspect_commits"):
        st.subheader("Suspect commits")
        st.caption("Ranked over all of the cluster's blamed crash sites (attribution stage), whatever the filters.")
        sus = data.query("SELECT rank, repo, commit_sha, score, method, subject, author_name, authored_at, ai_authored, "
                         "ai_tool, fix_commit FROM suspect_commits WHERE cluster_id = ? ORDER BY rank", [cluster_id])
        if sus.height:
            sus, links = with_commit_links(sus)
            st.dataframe(sus.drop("repo"), hide_index=True, width="stretch", column_config=links)
        else:
            st.caption("No suspect commits (no crash site of this cluster was blamed to a commit).")

    where_args, values = f.macro_args()
    st.subheader("Sample events (in the selection)")
    newest = data.query(f"SELECT occurrence_id FROM filtered_failures({where_args}) WHERE cluster_id = ? "
                        "AND kind = 'event' ORDER BY ts DESC LIMIT 20", [*values, cluster_id])["occurrence_id"].to_list() \
        if cost.height else []
    sample = data.query(
        "SELECT event_id, ts, release, service, environment, exception_type, exception_value, message FROM events "
        "WHERE list_contains(?, event_id) ORDER BY ts DESC", [newest]) if newest else pl.DataFrame()
    if sample.height:
        st.dataframe(sample, hide_index=True, width="stretch")
    else:
        st.caption("No events of this cluster match the filters.")

    if data.has_views("incident_cluster_evidence", "incidents_in_period"):
        inc_args, inc_values = f.incident_args()
        inc = data.query("SELECT e.incident_id, e.incident_title, e.severity, e.started_at, e.resolved_at, e.evidence, "
                         "e.confidence, CASE WHEN regexp_matches(lower(s.url), '^https?://') THEN s.url END AS url "
                         f"FROM incident_cluster_evidence e JOIN incidents_in_period({inc_args}) s USING (incident_id) "
                         "WHERE e.cluster_id = ? ORDER BY e.started_at", [*inc_values, cluster_id])
        st.subheader(f"Linked incidents in the period ({inc.height})")
        if inc.height:
            st.dataframe(inc, hide_index=True, width="stretch",
                         column_config={"url": st.column_config.LinkColumn("incident page"),
                                        "confidence": st.column_config.NumberColumn(format="%.2f")})

    st.subheader("Rules and guidance this cluster produced")
    st.caption("The current rule pack (the sidebar filters do not change what a pack contains).")
    rules = data.query(
        "SELECT r.rule_id, r.engine, r.severity, r.failure_class, r.message, r.pack_version FROM core.rules r "
        "WHERE list_contains(r.cluster_ids, ?) AND r.pack_version = "
        "(SELECT version FROM core.rule_packs ORDER BY created_at DESC, version DESC LIMIT 1)", [cluster_id])
    if rules.height:
        rules = rules.with_columns(pl.struct("pack_version", "engine", "rule_id").map_elements(
            lambda r: pack_file_link(r["pack_version"], rule_file(r["engine"]), r["rule_id"]),
            return_dtype=pl.String).alias("file"))
        st.dataframe(rules, hide_index=True, width="stretch",
                     column_config={"file": st.column_config.LinkColumn("pack file", display_text="open")})
    else:
        st.caption("No rule of the current pack cites this cluster (run `hindsight run` or `hindsight export`).")
    guidance = data.query(
        "SELECT g.path, g.format FROM core.guidance_files g WHERE contains(g.content, ?) AND g.pack_version = "
        "(SELECT version FROM core.rule_packs ORDER BY created_at DESC, version DESC LIMIT 1)", [cluster_id])
    if guidance.height:
        st.text("Cited in guidance files: " + ", ".join(guidance["path"].to_list()))
