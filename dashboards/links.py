"""Links out of the dashboard: a commit to its repository's web UI (`web_url` in hindsight.toml), a rule to its
file in the exported pack (the `pack_file` page), a pipeline figure to its Dagster asset (`[dashboard] dagster_url`).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import polars as pl
import streamlit as st

from dashboards.settings import settings_or_none as _config  # a broken config: links just disappear
from models.settings import DashboardSettings

DEFAULT_DAGSTER_URL = DashboardSettings().dagster_url  # what `make dev` serves


def repository_web_urls() -> dict[str, str]:
    """{repository name: web_url} of the configured repositories that have one."""
    config = _config()
    return {r.name: r.web_url for r in (config.repositories if config else ()) if r.web_url}


def commit_url(web_url: str | None, sha: str | None) -> str | None:
    """`{web_url}/commit/{sha}` (GitHub, GitLab, Gitea, Forgejo), or web_url with `{sha}` replaced."""
    if not web_url or not sha:
        return None
    if "{sha}" in web_url:
        return web_url.replace("{sha}", quote(sha, safe=""))
    return f"{web_url.rstrip('/')}/commit/{quote(sha, safe='')}"


def with_commit_links(frame: pl.DataFrame, sha: str = "commit_sha", repo: str = "repo") -> tuple[pl.DataFrame, dict]:
    """Replace the `sha` column by a link to the repository's web UI where `web_url` is configured.

    Returns the frame and the column_config for st.dataframe (the link shows the sha's first 12 characters).
    Without any web_url the sha stays plain text (a bare sha in a link column would be a broken relative link).
    """
    urls = repository_web_urls()
    if not urls or sha not in frame.columns or not frame.height:
        return frame, {}
    repos = frame[repo].to_list() if repo in frame.columns else [next(iter(urls))] * frame.height
    links = [commit_url(urls.get(r), s) for r, s in zip(repos, frame[sha].to_list(), strict=True)]
    if not any(links):
        return frame, {}
    frame = frame.with_columns(pl.Series(sha, links, dtype=pl.String))
    return frame, {sha: st.column_config.LinkColumn(sha, display_text=r"([0-9a-f]{12})[0-9a-f]{28}")}


def dagster_asset_url(asset_key: str) -> str:
    """The asset's page in the Dagster UI (`[dashboard] dagster_url`, default the `make dev` address)."""
    config = _config()
    base = config.dashboard.dagster_url if config else DEFAULT_DAGSTER_URL
    return f"{str(base).rstrip('/')}/assets/{quote(asset_key)}"


def rule_file(engine: str) -> str:
    """The file of the exported pack that holds a rule of this engine."""
    from models.feedback.render import RUFF_FILE, SEMGREP_FILE  # imported on use: models.feedback is heavy

    return SEMGREP_FILE if engine == "semgrep" else RUFF_FILE


def pack_file_link(version: str, file: str, rule_id: str | None = None) -> str:
    """Relative URL of the page that shows one file of a pack (and the rule's part of it)."""
    query = {"version": version, "file": file, **({"rule": rule_id} if rule_id else {})}
    return f"pack_file?{urlencode(query)}"
