"""One file of an exported rule pack (`pack_file?version=V&file=F&rule=R`): where a rule's link leads.

Only files listed in the pack's manifest are served, read from the pack directory recorded in
`core.rule_packs.path`; the rule's own part (its semgrep rule, or the ruff lines that enable it) comes first.
"""

from __future__ import annotations

import json

import streamlit as st
import yaml

from dashboards import data
from dashboards.packs import read_pack_file, resolve_pack_dir
from dashboards.ui import NO_DATA

MAX_SHOWN = 400_000  # characters of a file shown inline (the download has it all)


def _rule_part(text: str, file: str, rule: dict) -> str | None:
    """The part of `text` that is this rule: its semgrep YAML, or the ruff lines naming its codes/banned API."""
    if rule["engine"] == "semgrep" and file.endswith((".yaml", ".yml")):
        doc = yaml.safe_load(text) or {}
        found = [r for r in doc.get("rules", []) if r.get("id") == rule["rule_id"]]
        return yaml.safe_dump(found, sort_keys=False, width=120) if found else None
    evidence = json.loads(rule["evidence"]) if rule["evidence"] else {}
    needles = [f'"{code}"' for code in evidence.get("codes", [])]
    if rule["rule_id"].startswith("ruff.TID251."):
        needles.append(f'"{rule["rule_id"].removeprefix("ruff.TID251.")}"')
    lines = [line for line in text.splitlines() if any(n in line for n in needles)]
    return "\n".join(lines) or None


st.title("Rule pack file")
version, file, rule_id = (st.query_params.get(k) for k in ("version", "file", "rule"))
if data.database_file() is None:
    st.info(NO_DATA)
    st.stop()
pack = data.query("SELECT version, path, manifest::VARCHAR AS manifest FROM core.rule_packs WHERE version = ?",
                  [version or ""])
if not pack.height:
    st.info("No such rule pack. Open a rule's file from the Rules & guidance page.")
    st.stop()
files = json.loads(pack["manifest"][0] or "{}").get("files", {})
if file not in files:
    st.info(f"The pack has no file named like that. Its files: {', '.join(sorted(files))}")
    st.stop()
st.caption(f"Pack {version} · file {file} · sha256 {files[file][:16]}…")
pack_dir = resolve_pack_dir(pack["path"][0])
text = read_pack_file(pack_dir, file) if pack_dir is not None else None
if text is None:
    st.info(f"The pack directory {pack['path'][0]} is not on this machine (or the file changed since it was "
            "exported); the rules themselves are on the Rules & guidance page.")
    st.stop()
if rule_id:
    rule = data.query("SELECT rule_id, engine, evidence::VARCHAR AS evidence FROM core.rules "
                      "WHERE pack_version = ? AND rule_id = ?", [version, rule_id])
    part = _rule_part(text, file, rule.row(0, named=True)) if rule.height else None
    st.subheader("This rule")
    st.text(rule_id)
    st.code(part or "(this rule has no separate part in the file)", language=None)
st.download_button("Download file", text, file_name=file.split("/")[-1], key="dl_pack_file")
with st.expander("The whole file", expanded=not rule_id):
    st.code(text[:MAX_SHOWN], language=None)
