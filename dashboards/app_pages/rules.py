"""Rules & guidance: the current rule pack with evidence and efficacy, its changelog, the guidance files."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import polars as pl
import streamlit as st

from dashboards import data
from dashboards.packs import resolve_pack_dir, zip_directory
from dashboards.ui import plain_label, require_data

st.title("Rules & guidance")


@st.cache_data(show_spinner=False, max_entries=8)
def _pack_zip(path: str, version: float) -> bytes:
    return zip_directory(Path(path))


if require_data("rule_efficacy", step="Run `hindsight run` (or `hindsight export` then `hindsight evaluate`)."):
    packs = data.query("SELECT version, created_at, path, changelog FROM core.rule_packs ORDER BY created_at DESC, version DESC")
    if not packs.height:
        st.info("No rule pack released yet. Run `hindsight run` (or `hindsight export`).")
        st.stop()
    current = packs.row(0, named=True)
    previous = packs.row(1, named=True) if packs.height > 1 else None
    st.caption(f"Current pack {current['version']} · created {str(current['created_at'])[:19]} · "
               f"{packs.height} pack(s) in history")

    rules = data.query(
        "SELECT e.rule_id, e.engine, e.origin, e.failure_class, e.severity, e.effective_severity, e.recall, "
        "e.crash_sites_flagged, e.crash_sites, e.fixed_fp_rate, e.fixed_sites_flagged, e.fixed_sites, "
        "e.findings_per_kloc, e.demoted, e.demotion_reason, e.cluster_ids, r.message, r.evidence::VARCHAR AS evidence "
        "FROM rule_efficacy e JOIN core.rules r USING (pack_version, rule_id) WHERE e.pack_version = ? "
        "ORDER BY e.severity, e.rule_id", [current["version"]])
    summary = data.query("SELECT rules, recall, fixed_fp_rate, unfailed_share, head_findings FROM rule_pack_summary "
                         "WHERE version = ?", [current["version"]]) if data.has_views("rule_pack_summary") else pl.DataFrame()
    cols = st.columns(4)
    cols[0].metric("Rules", rules.height)
    if summary.height:
        s = summary.row(0, named=True)
        cols[1].metric("Recall on crash sites", "—" if s["recall"] is None else f"{s['recall']:.0%}")
        cols[2].metric("False positives on fixed lines", "—" if s["fixed_fp_rate"] is None else f"{s['fixed_fp_rate']:.0%}")
        cols[3].metric("Findings at HEAD", "—" if s["head_findings"] is None else s["head_findings"])

    st.subheader(f"Rules ({rules.height}) with evidence and efficacy")
    if rules.height:
        recall = rules.filter(pl.col("recall").is_not_null())
        if recall.height:
            st.altair_chart(alt.Chart(recall.select("rule_id", "recall", "crash_sites").to_pandas()).mark_bar().encode(
                x=alt.X("recall:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
                y=alt.Y("rule_id:N", sort="-x", title=None), tooltip=["rule_id", "recall", "crash_sites"]),
                width="stretch")
        st.dataframe(rules, hide_index=True, width="stretch",
                     column_config={"recall": st.column_config.ProgressColumn("recall", min_value=0.0, max_value=1.0,
                                                                              format="percent")})
    else:
        st.caption("The current pack has no rules.")

    st.subheader("Changelog vs the previous pack")
    if previous:
        diff = data.query(
            "SELECT coalesce(c.rule_id, p.rule_id) AS rule_id, "
            "CASE WHEN p.rule_id IS NULL THEN 'added' WHEN c.rule_id IS NULL THEN 'removed' "
            "     WHEN c.severity <> p.severity THEN 'severity ' || p.severity || ' → ' || c.severity ELSE 'changed' END AS change "
            "FROM (SELECT * FROM core.rules WHERE pack_version = ?) c "
            "FULL JOIN (SELECT * FROM core.rules WHERE pack_version = ?) p USING (rule_id) "
            "WHERE c.rule_id IS NULL OR p.rule_id IS NULL OR c.severity <> p.severity OR c.message <> p.message "
            "ORDER BY change, rule_id", [current["version"], previous["version"]])
        st.caption(f"{current['version']} vs {previous['version']}: {diff.height} rule change(s)")
        if diff.height:
            st.dataframe(diff, hide_index=True, width="stretch")
    st.code(current["changelog"] or "(first pack: no previous pack to compare with)", language=None)

    pack_dir = resolve_pack_dir(current["path"])
    if pack_dir is not None:
        st.download_button("Download rule pack (.zip)", _pack_zip(str(pack_dir), pack_dir.stat().st_mtime), file_name=f"hindsight-rules-{current['version']}.zip",
                           mime="application/zip", key="dl_pack")
    else:
        st.caption(f"Pack directory {current['path']} is not on this machine; the rules above are from the warehouse.")

    guidance = data.query("SELECT path, format, bytes, content FROM core.guidance_files WHERE pack_version = ? ORDER BY path",
                          [current["version"]])
    st.subheader(f"Guidance files ({guidance.height})")
    if not guidance.height:
        st.caption("No guidance files for this pack yet (run `hindsight run`).")
    for i, row in enumerate(guidance.iter_rows(named=True)):
        with st.expander(f"{plain_label(row['path'])} · {plain_label(row['format'])} · {row['bytes']} bytes"):
            st.download_button("Download", row["content"], file_name=row["path"].split("/")[-1] or f"guidance-{i}",
                               key=f"dl_guidance_{i}")
            st.code(row["content"], language="markdown")  # shown as source, never rendered
