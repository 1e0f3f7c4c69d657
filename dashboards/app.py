"""Hindsight dashboard entry point: `hindsight dashboard` (or `streamlit run dashboards/app.py`).

Multipage via st.navigation; the sidebar filters live in the URL so any view can be bookmarked and sent.
All text that came from production is rendered as text (st.text / st.code / dataframes), never as
Markdown or HTML.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import data
from dashboards.filters import sidebar_filters

# Not "pages/": Streamlit would run that folder as its old multipage app until st.navigation is first called
PAGES = Path(__file__).parent / "app_pages"


@st.cache_resource
def _self_monitoring() -> bool:
    from hindsight.observability import init_self_monitoring

    return init_self_monitoring("dashboard")


def main() -> None:
    st.set_page_config(page_title="Hindsight", page_icon="🔁", layout="wide")
    _self_monitoring()
    pages = [
        st.Page(PAGES / "overview.py", title="Overview", url_path="overview", default=True),
        st.Page(PAGES / "clusters.py", title="Clusters", url_path="clusters"),
        st.Page(PAGES / "cluster.py", title="Cluster detail", url_path="cluster"),
        st.Page(PAGES / "attribution.py", title="AI attribution", url_path="attribution"),
        st.Page(PAGES / "incidents.py", title="Incidents", url_path="incidents"),
        st.Page(PAGES / "rules.py", title="Rules & guidance", url_path="rules"),
        st.Page(PAGES / "change_risk.py", title="Change risk", url_path="change-risk"),
        st.Page(PAGES / "sql.py", title="SQL", url_path="sql"),
    ]
    nav = st.navigation(pages)
    st.session_state["filters"] = sidebar_filters()
    db = data.database_file()
    st.sidebar.caption(f"Data: {db.name if db else 'none yet'}")
    nav.run()


main()
