"""Change risk: recent commits by calibrated risk of inducing a defect, with the model's reasons and links."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from dashboards import charts, data
from dashboards.settings import settings_or_none
from dashboards.ui import cluster_link, plain_label, require_data

st.title("Change risk")
STEP = "Configure a repository in hindsight.toml and run `hindsight run` (or `hindsight risk train`)."


@st.cache_data(show_spinner=False)
def _commit_url(repo: str) -> str | None:
    from models.risk.service import commit_url

    config = settings_or_none()
    return commit_url(config, repo) if config else None


def _reasons(raw: object) -> tuple[str, str | None]:
    """(reasons as one line of text, the first production cluster a reason names)."""
    items = json.loads(raw) if isinstance(raw, str) else (raw or [])
    cluster = next((c for r in items for c in r.get("clusters", [])), None)
    return "; ".join(r.get("text", "") for r in items), cluster


if require_data("change_risk", "risk_models", step=STEP):
    repos = data.query("SELECT DISTINCT repo FROM change_risk ORDER BY repo")["repo"].to_list()
    repo = st.selectbox("Repository", repos, format_func=plain_label) if len(repos) > 1 else repos[0]
    model = data.query(
        "SELECT version, created_at, n_train, n_positive, defect_rate, validation_auc, chosen_by "
        "FROM risk_models WHERE repo = ? AND is_latest",
        [repo],
    )
    if model.height:
        m = model.row(0, named=True)
        cols = st.columns(4)
        cols[0].metric("Model", f"v{m['version']}", help=f"trained {str(m['created_at'])[:19]}")
        cols[1].metric("Commits trained on", f"{m['n_train']:,}")
        cols[2].metric(
            "Defect-inducing",
            f"{m['defect_rate']:.0%}",
            help=f"{m['n_positive']:,} commits labelled by "
            "production failures and by SZZ from fix commits (noisy labels)",
        )
        cols[3].metric(
            "Validation AUC",
            "—" if m["validation_auc"] is None else f"{m['validation_auc']:.2f}",
            help=m["chosen_by"] or "",
        )

    left, right = st.columns(2)
    recent = left.slider("Most recent commits", min_value=20, max_value=1000, value=200, step=20)
    levels = right.multiselect("Risk levels", ["high", "medium", "low"], default=["high", "medium"])
    rows = data.query(
        "SELECT sha, committed_at, author_name, subject, ai_tool, lines_added, lines_deleted, probability, risk_level, "
        "reasons::VARCHAR AS reasons, labelled_defect, in_training FROM change_risk WHERE repo = ? "
        "ORDER BY committed_at DESC LIMIT ?",
        [repo, recent],
    )
    if not rows.height:
        st.info(f"No scored commit for this repository yet. {STEP}")
        st.stop()
    parsed = [_reasons(r) for r in rows["reasons"].to_list()]
    url = _commit_url(repo)
    rows = rows.with_columns(
        pl.Series("why", [p[0] for p in parsed], dtype=pl.String),
        pl.Series("cluster", [cluster_link(p[1]) if p[1] else None for p in parsed], dtype=pl.String),
        (pl.lit(url.split("{sha}")[0]) + pl.col("sha") + pl.lit(url.split("{sha}", 1)[1])).alias("commit")
        if url
        else pl.col("sha").str.slice(0, 12).alias("commit"),
    )

    st.subheader("Risk over time")
    charts.draw(charts.risk_over_time(
        rows.select("committed_at", "probability", "risk_level", "subject", "labelled_defect")))

    shown = rows.filter(pl.col("risk_level").is_in(levels)).sort("probability", descending=True)
    st.subheader(f"Recent changes by risk ({shown.height} of the {rows.height} most recent commits)")
    st.caption(
        "Probability: calibrated chance that the change induces a defect. Why: the features that raised it most "
        "(exact contributions of the model). Scores of commits the model was trained on are in-sample."
    )
    link = (
        {"commit": st.column_config.LinkColumn("commit", display_text=r"([0-9a-f]{12})[0-9a-f]*$")}
        if url
        else {}
    )
    st.dataframe(
        shown.select(
            "risk_level",
            "probability",
            "commit",
            "committed_at",
            "subject",
            "author_name",
            "ai_tool",
            "why",
            "cluster",
            "lines_added",
            "lines_deleted",
            "labelled_defect",
            "in_training",
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "probability": st.column_config.ProgressColumn(
                "probability", min_value=0.0, max_value=1.0, format="percent"
            ),
            "cluster": st.column_config.LinkColumn("cluster", display_text=r"cluster=([^&]*)"),
            **link,
        },
    )
    st.caption(
        "Score a change before it ships: `hindsight review --repo NAME --base origin/main --head HEAD`."
    )
