"""Rules & guidance: the current rule pack with evidence and efficacy, its changelog, the guidance files."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import data
from dashboards.ui import require_data

st.title("Rules & guidance")

if require_data("rule_efficacy", step="Run `hindsight run` (or `hindsight export rules` then `hindsight evaluate`)."):
    packs = data.query("SELECT version, created_at, path, changelog FROM core.rule_packs ORDER BY created_at DESC")
    current = packs.row(0, named=True)
    st.caption(f"Current pack {current['version']} · created {str(current['created_at'])[:19]} · {packs.height} pack(s) in history")
    rules = data.query("SELECT r.rule_id, r.engine, r.origin, r.failure_class, r.severity, r.cluster_ids, r.message "
                       "FROM core.rules r WHERE r.pack_version = ? ORDER BY r.severity, r.rule_id", [current["version"]])
    eff = data.query("SELECT * FROM rule_efficacy WHERE pack_version = ?", [current["version"]])
    if eff.height:
        rules = rules.join(eff.drop([c for c in ("pack_version",) if c in eff.columns]), on="rule_id", how="left")
    st.subheader(f"Rules ({rules.height})")
    st.dataframe(rules, hide_index=True, width="stretch")

    st.subheader("Changelog vs the previous pack")
    st.code(current["changelog"] or "(first pack)", language=None)

    guidance = data.query("SELECT path, format, bytes, content FROM core.guidance_files WHERE pack_version = ? ORDER BY path",
                          [current["version"]])
    st.subheader(f"Guidance files ({guidance.height})")
    for row in guidance.iter_rows(named=True):
        with st.expander(f"{row['path']} · {row['format']} · {row['bytes']} bytes"):
            st.code(row["content"], language="markdown")  # shown as source, never rendered
            st.download_button("Download", row["content"], file_name=row["path"].split("/")[-1],
                               key=f"dl_{row['path']}")
    manifest = data.query("SELECT manifest FROM core.rule_packs WHERE version = ?", [current["version"]])
    if manifest.height:
        st.download_button("Download pack manifest", str(manifest["manifest"][0]), file_name="manifest.json",
                           key="dl_manifest")
