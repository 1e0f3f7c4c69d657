"""Production text that looks like Markdown, HTML or instructions is shown as inert text, never rendered."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from dash_world import INJECTIONS, no_exceptions, open_page

from models.warehouse.snapshot import publish_snapshot

PAYLOAD = " | ".join(INJECTIONS)


@pytest.fixture
def injected(world, tmp_path, use_warehouse):
    """A copy of the demo warehouse whose top cluster, its events, an incident and a commit carry the payload."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(world / "warehouse.duckdb", warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        cluster_id, rep = con.execute("SELECT cluster_id, representative_event_id FROM core.clusters "
                                      "WHERE status = 'active' ORDER BY event_count DESC, cluster_id LIMIT 1").fetchone()
        con.execute("UPDATE core.clusters SET title = ? WHERE cluster_id = ?", [PAYLOAD, cluster_id])
        con.execute("UPDATE core.exceptions SET value = ? WHERE event_id = ?", [PAYLOAD, rep])
        con.execute("UPDATE core.events SET message = ?, exception_value = ? WHERE event_id IN "
                    "(SELECT event_id FROM main.cluster_events WHERE cluster_id = ?)", [PAYLOAD, PAYLOAD, cluster_id])
        con.execute("UPDATE core.incidents SET title = ?, severity = ?", [PAYLOAD, INJECTIONS[1]])
        con.execute("UPDATE core.commits SET subject = ?", [PAYLOAD])
        con.execute("CHECKPOINT")
        publish_snapshot(con, warehouse)
    finally:
        con.close()
    use_warehouse(warehouse, world / "hindsight.toml")
    return cluster_id


def _rendered_as_markup(at) -> list[str]:
    """Every string Streamlit renders as Markdown/HTML on the page (element bodies and widget/expander labels)."""
    texts = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success",
                 "latex", "html"):
        texts += [str(e.value) for e in at.get(kind)]
    texts += [m.label for m in at.metric] + [str(m.value) for m in at.metric]  # metric values render Markdown too
    texts += [e.label for e in at.expander]
    for kind in ("selectbox", "multiselect", "text_area", "button", "download_button", "date_input"):
        texts += [w.label for w in at.get(kind)]
    return texts


def _rendered_as_text(at) -> str:
    parts = [t.value for t in at.text] + [c.value for c in at.code]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [str(o) for s in at.selectbox for o in s.options]
    return "\n".join(parts)


@pytest.mark.parametrize("page", ["overview", "clusters", "cluster", "attribution", "incidents"])
def test_injection_strings_render_inert(injected, page):
    at = open_page(page, {"cluster": injected} if page == "cluster" else None)
    no_exceptions(at)
    markup = "\n".join(_rendered_as_markup(at))
    for payload in INJECTIONS:
        assert payload not in markup, f"{payload!r} reached a Markdown/HTML element on {page}"
    assert not at.get("html")
    if page in ("clusters", "cluster", "incidents"):
        shown = _rendered_as_text(at)
        assert INJECTIONS[0] in shown and INJECTIONS[1] in shown, f"the payload is not shown as text on {page}"
