"""Rules & guidance: per rule of the current pack what matters (held-out recall, findings at HEAD, noise per kloc,
severity and why) with a link to its file in the exported pack; the changelog; guidance grouped by format and class.

Per-rule figures come from the analyst view `rule_efficacy` (sql/views/50_feedback.sql, owned by the feedback
stage) as it defines them: `heldout_recall`, `own_site_recall`, `noise_per_kloc`, `head_findings`, `severity`,
`severity_reason`; the page derives none of them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from dashboards import charts, data
from dashboards.links import pack_file_link, rule_file
from dashboards.packs import resolve_pack_dir, zip_directory
from dashboards.ui import plain_label, require_data

st.title("Rules & guidance")

SHOWN = ["rule_id", "severity", "severity_reason", "heldout_recall", "own_site_recall", "head_findings",
         "noise_per_kloc", "effective_severity", "demotion_reason", "failure_class", "file", "engine", "origin",
         "crash_sites", "fixed_fp_rate", "cluster_ids"]
PERCENT = ("heldout_recall", "own_site_recall", "fixed_fp_rate")


@st.cache_data(show_spinner=False, max_entries=8)
def _pack_zip(path: str, version: float) -> bytes:
    return zip_directory(Path(path))


RULE_COLUMNS = ["rule_id", "engine", "origin", "failure_class", "severity", "severity_reason", "effective_severity",
                "heldout_recall", "own_site_recall", "head_findings", "noise_per_kloc", "crash_sites",
                "fixed_fp_rate", "demotion_reason", "cluster_ids"]


def _guidance_class(path: str, classes: set[str]) -> str:
    """The failure class a guidance file is about (from its name), or 'all classes' for whole-repo files."""
    stem = Path(path).name.split(".")[0].removeprefix("hindsight-").replace("-", "_")
    return stem if stem in classes else "all classes"


if require_data("rule_efficacy", step="Run `hindsight run` (or `hindsight export` then `hindsight evaluate`)."):
    packs = data.query("SELECT version, created_at, path, changelog FROM core.rule_packs ORDER BY created_at DESC, version DESC")
    if not packs.height:
        st.info("No rule pack released yet. Run `hindsight run` (or `hindsight export`).")
        st.stop()
    current = packs.row(0, named=True)
    previous = packs.row(1, named=True) if packs.height > 1 else None
    st.caption(f"Current pack {current['version']} · created {str(current['created_at'])[:19]} · "
               f"{packs.height} pack(s) in history")

    rules = data.query(f"SELECT {', '.join(RULE_COLUMNS)} FROM rule_efficacy WHERE pack_version = ? "
                       "ORDER BY rule_id", [current["version"]])
    summary = data.query("SELECT rules, heldout_recall, fixed_fp_rate, noise_per_kloc, head_findings FROM rule_pack_summary "
                         "WHERE version = ?", [current["version"]]) if data.has_views("rule_pack_summary") else pl.DataFrame()
    cols = st.columns(4)
    cols[0].metric("Rules", rules.height)
    if summary.height:
        s = summary.row(0, named=True)
        cols[1].metric("Held-out recall", "—" if s["heldout_recall"] is None else f"{s['heldout_recall']:.0%}",
                       help="Crash sites caught by a rule that was not built from their cluster")
        cols[2].metric("False positives on fixed lines", "—" if s["fixed_fp_rate"] is None else f"{s['fixed_fp_rate']:.0%}")
        cols[3].metric("Findings at HEAD", "—" if s["head_findings"] is None else s["head_findings"])

    st.subheader(f"Rules ({rules.height})")
    if rules.height:
        rules = rules.with_columns(pl.struct("engine", "rule_id").map_elements(
            lambda r: pack_file_link(current["version"], rule_file(r["engine"]), r["rule_id"]),
            return_dtype=pl.String).alias("file"))
        st.dataframe(
            rules.select([c for c in SHOWN if c in rules.columns]), hide_index=True, width="stretch",
            column_config={
                "rule_id": st.column_config.TextColumn("rule", width="large"),
                "file": st.column_config.LinkColumn("pack file", display_text=r"file=([^&]*)"),
                "severity_reason": st.column_config.TextColumn("why this severity", width="medium"),
                "head_findings": st.column_config.NumberColumn("findings at HEAD"),
                "noise_per_kloc": st.column_config.NumberColumn("noise per kloc", format="%.2f"),
                **{c: st.column_config.NumberColumn(c.replace("_", " "), format="percent") for c in PERCENT},
            })
        noisy = (rules.filter(pl.col("head_findings") > 0).sort("head_findings", descending=True)
                 if "head_findings" in rules.columns else pl.DataFrame())
        if noisy.height:
            st.caption(f"Noise: findings at HEAD per rule ({rules.height - noisy.height} rule(s) have none). "
                       "A finding at HEAD is code that matches the rule and has not failed (yet).")
            tooltip = [c for c in ("rule_id", "severity", "severity_reason", "heldout_recall", "own_site_recall",
                                   "head_findings", "noise_per_kloc") if c in noisy.columns]
            charts.draw(charts.findings_at_head(noisy, tooltip))
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
    with st.expander("Changelog of the pack (CHANGELOG.md)"):
        st.code(current["changelog"] or "(first pack: no previous pack to compare with)", language=None)

    pack_dir = resolve_pack_dir(current["path"])
    if pack_dir is not None:
        mtime = pack_dir.stat().st_mtime  # zipped only when clicked (a callable runs on download)
        st.download_button("Download rule pack (.zip)", lambda: _pack_zip(str(pack_dir), mtime),
                           file_name=f"hindsight-rules-{current['version']}.zip", mime="application/zip", key="dl_pack")
    else:
        st.caption(f"Pack directory {current['path']} is not on this machine; the rules above are from the warehouse.")

    guidance = data.query("SELECT format, path, bytes, content FROM core.guidance_files WHERE pack_version = ? "
                          "ORDER BY format, path", [current["version"]])
    st.subheader(f"Guidance files ({guidance.height})")
    if not guidance.height:
        st.caption("No guidance files for this pack yet (run `hindsight run`).")
    else:
        classes = set(data.query("SELECT DISTINCT failure_class FROM core.rules WHERE pack_version = ?",
                                 [current["version"]])["failure_class"].to_list())
        guidance = guidance.with_columns(pl.col("path").map_elements(
            lambda path: _guidance_class(path, classes), return_dtype=pl.String).alias("failure_class"))
        st.caption("Grouped by failure class (rows) and format, the assistant that reads the file (columns); "
                   "'all classes' files hold every class.")
        matrix = (guidance.select("failure_class", "format", "path")
                  .pivot(on="format", index="failure_class", values="path", aggregate_function="first")
                  .sort(pl.col("failure_class") == "all classes", "failure_class", descending=[True, False]))
        st.dataframe(matrix, hide_index=True, width="stretch")
        files = guidance.sort("format", "failure_class", "path")
        pick = st.selectbox("Show file", files["path"].to_list(), key="guidance_pick",
                            format_func=lambda path: plain_label(path, limit=120))
        content = files.filter(pl.col("path") == pick)["content"][0]
        st.download_button("Download", content, file_name=Path(pick).name or "guidance.md", key="dl_guidance")
        st.code(content, language="markdown")  # shown as source, never rendered
