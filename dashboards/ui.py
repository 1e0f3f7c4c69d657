"""Small rendering helpers shared by the pages."""

from __future__ import annotations

import streamlit as st

from dashboards import data
from dashboards.filters import Filters

NO_DATA = (
    "No data yet. Build the demo world with `make demo`, or ingest your own files with "
    "`hindsight ingest PATH...` and then run `hindsight run` (it publishes the snapshot the dashboard reads)."
)


def filters() -> Filters:
    return st.session_state["filters"]


def require_data(*views: str, step: str) -> bool:
    """Show an empty state and return False when the snapshot or the needed views/rows are missing."""
    if data.database_file() is None:
        st.info(NO_DATA)
        return False
    missing = [v for v in views if not data.has_views(v)]
    if missing:
        st.info(f"Not computed yet: {', '.join(missing)}. {step}")
        return False
    if views and not data.has_rows(views[0]):
        st.info(f"No rows in `{views[0]}` yet. {step}")
        return False
    return True


def cluster_link(cluster_id: str) -> str:
    """URL of the cluster page (keeps only the cluster parameter; filters are re-read from the sidebar)."""
    return f"/cluster?cluster={cluster_id}"
