"""Small rendering helpers shared by the pages."""

from __future__ import annotations

from urllib.parse import quote

import polars as pl
import streamlit as st

from dashboards import data
from dashboards.filters import HUMAN, Filters

NO_DATA = (
    "No data yet. Build the demo world with `make demo`, or ingest your own files with "
    "`hindsight ingest PATH...` and then run `hindsight run` (it publishes the snapshot the dashboard reads)."
)
SEVERITY_COLORS = {1: "#b3261e", 2: "#e8710a", 3: "#f2b705", 4: "#8d99a6"}  # by severity_rank: SEV1 red ... SEV4 grey
OTHER_SEVERITY = "#c4ccd4"


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


def _filter_suffix() -> str:
    """The current filters as a query-string tail, so a drill-down link keeps the view's filters."""
    keep = [(k, v) for k in ("start", "end", "service", "env", "release", "tool") for v in st.query_params.get_all(k)]
    return "".join(f"&{k}={quote(v, safe='')}" for k, v in keep)


def cluster_link(cluster_id: str) -> str:
    """Relative URL of the cluster page for `cluster_id`, keeping the current filters."""
    return f"cluster?cluster={quote(cluster_id, safe='')}{_filter_suffix()}"


def with_cluster_links(frame: pl.DataFrame) -> pl.DataFrame:
    """Add a `cluster` link column (rendered by `cluster_table_config`) in front of `frame`."""
    if not frame.height:
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias("cluster"))
    links = pl.concat_str([pl.lit("cluster?cluster="), pl.col("cluster_id"), pl.lit(_filter_suffix())]).alias("cluster")
    return frame.select(links, pl.all())


def cluster_table_config() -> dict:
    return {"cluster": st.column_config.LinkColumn("cluster", display_text=r"cluster=([^&]*)", width=90)}


def plain_label(text: object, limit: int = 80) -> str:
    """A widget label built from production text: labels render Markdown, so keep only inert characters."""
    return "".join(ch for ch in str(text or "?") if ch.isalnum() or ch in " -_.:@/(),%·—")[:limit] or "?"


def author_label(author: str | None, share: float | None = None) -> str:
    """Who wrote a crashing line, for tables: 'AI: cursor', 'unknown/human', with the share when given."""
    if author is None:
        return "not blamed"
    label = author if author == HUMAN else f"AI: {author}"
    return f"{label} ({share:.0%})" if share is not None and share < 0.995 else label


def severity_scale(frame: pl.DataFrame) -> tuple[list[str], list[str]]:
    """Colour domain and range of the severities in `frame` (columns severity, severity_rank) for
    charts.incident_timeline: worst first, SEV1 red, SEV2 orange, SEV3 amber, SEV4 and lower grey."""
    if not frame.height:
        return [], []
    pairs = (frame.select(pl.col("severity").fill_null("unknown"), pl.col("severity_rank").fill_null(99))
             .unique().sort("severity_rank", "severity"))
    domain = pairs["severity"].to_list()
    colors = [SEVERITY_COLORS.get(rank, OTHER_SEVERITY) for rank in pairs["severity_rank"].to_list()]
    return domain, colors
