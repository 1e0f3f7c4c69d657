"""Hindsight dashboard entry point: `hindsight dashboard` (or `streamlit run dashboards/app.py`).

Multipage via st.navigation; every page has its own URL (`/overview`, `/clusters`, ...) and the sidebar shows
only the filters that apply to it, kept in the URL so any view can be bookmarked and sent. All text that came
from production is rendered as text (st.text / st.code / dataframes), never as Markdown or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboards import data
from dashboards.filters import ALL_FILTERS, sidebar_filters

# Not "pages/": Streamlit would run that folder as its old multipage app until st.navigation is first called
# (pages are code that Streamlit runs by path beside this script, not data read through models.package_data)
PAGE_DIR = Path(__file__).parent / "app_pages"
INCIDENT_FILTERS = ("range", "service")  # incidents carry a time and services, not releases or authors


@dataclass(frozen=True)
class Page:
    """A dashboard page: `app_pages/<name>.py`, served at `/<name>`, with the sidebar filters its figures apply."""

    name: str
    title: str
    filters: tuple[str, ...] = ALL_FILTERS
    hidden: bool = False  # reached by links only


# One line per page; the first is the default (also served at `/`).
PAGES = [
    Page("overview", "Overview"),
    Page("clusters", "Clusters"),
    Page("cluster", "Cluster detail"),
    Page("attribution", "AI attribution"),
    Page("incidents", "Incidents", filters=INCIDENT_FILTERS),
    Page("rules", "Rules & guidance", filters=()),
    Page("change_risk", "Change risk", filters=()),
    Page("sql", "SQL", filters=()),
    Page("pack_file", "Rule pack file", filters=(), hidden=True),
]


@st.cache_resource
def _self_monitoring() -> bool:
    from hindsight.observability import init_self_monitoring

    return init_self_monitoring("dashboard")


def routes() -> list[tuple[str, Page, bool]]:
    """(URL path, page, shown in the navigation) of every route: each page at `/<name>`, and the first page at
    `/` too (Streamlit serves its default page only at `/`; its `/<name>` route is a hidden alias)."""
    first = PAGES[0]
    return [("", first, True), *((p.name, p, not p.hidden and p is not first) for p in PAGES)]


def _st_pages() -> tuple[list, dict]:
    """The st.Page objects of `routes()`, and the Page of each URL path."""
    pages, spec = [], {}
    for url, page, shown in routes():
        entry = st.Page(PAGE_DIR / f"{page.name}.py", title=page.title, url_path=url or "home", default=not url,
                        visibility="visible" if shown else "hidden")
        pages.append(entry)
        spec[url] = page
    return pages, spec


def main() -> None:
    st.set_page_config(page_title="Hindsight", page_icon="🔁", layout="wide")
    _self_monitoring()
    pages, spec = _st_pages()
    nav = st.navigation(pages)
    page = spec[nav.url_path]  # the default page's url_path is ''
    st.session_state["filters"] = sidebar_filters(page.filters)
    db = data.database_file()
    st.sidebar.caption(f"Data: {db.name if db else 'none yet'} · published {data.snapshot_age()}")
    nav.run()


if __name__ == "__main__":  # Streamlit runs this file as __main__; tests import PAGES without running it
    main()
