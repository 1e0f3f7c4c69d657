"""The sidebar filters: drawn only where they apply, kept in the URL's query parameters and across pages.

A view is bookmarkable: `?start=2026-11-01&end=2026-11-20&service=shop-api&tool=claude_code`. Each page declares
the filters that apply to all of its figures (`dashboards/app.py`); the others are neither drawn nor handed to
the page. The figures are the macros of `sql/views/70_dashboard.sql`, whose arguments are the filters
(`Filters.macro_args`): parameters, never string-formatted user input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import streamlit as st

from dashboards import data

ALL_FILTERS = ("range", "service", "env", "release", "tool")
MULTI_KEYS = {"service": "Service", "env": "Environment", "release": "Release",
              "tool": "Who wrote the crashing line"}
HUMAN = "unknown/human"  # the author of a line without an AI marker (ANCHORS §5: no marker is no proof of a human)
_SAVED = "_hindsight_filter_values"  # filter values kept across pages that do not show every filter


@dataclass(frozen=True)
class Filters:
    """The filters that apply to the current page (the others are empty)."""

    start: date
    end: date  # inclusive
    services: tuple[str, ...] = field(default=())
    environments: tuple[str, ...] = field(default=())
    releases: tuple[str, ...] = field(default=())
    tools: tuple[str, ...] = field(default=())
    default_range: bool = True  # the range is the whole data (nothing picked)

    @property
    def start_ts(self) -> date:
        return self.start

    @property
    def end_ts(self) -> date:
        """Exclusive end of the range: the day after `end`."""
        return self.end + timedelta(days=1)

    def macro_args(self) -> tuple[str, list]:
        """The six filter arguments of the dashboard macros, as placeholders and values."""
        return ("?::TIMESTAMP, ?::TIMESTAMP, ?::VARCHAR[], ?::VARCHAR[], ?::VARCHAR[], ?::VARCHAR[]",
                [self.start_ts, self.end_ts, list(self.services), list(self.environments), list(self.releases),
                 list(self.tools)])

    def incident_args(self) -> tuple[str, list]:
        """The arguments of `incidents_in_period`: the range and the services (all an incident carries)."""
        return "?::TIMESTAMP, ?::TIMESTAMP, ?::VARCHAR[]", [self.start_ts, self.end_ts, list(self.services)]

    def describe(self) -> str:
        """One line saying what the figures cover (plain text)."""
        parts = [f"{self.start.isoformat()} to {self.end.isoformat()}"]
        for label, values in (("service", self.services), ("environment", self.environments),
                              ("release", self.releases), ("crashing line by", self.tools)):
            if values:
                parts.append(f"{label} {', '.join(values)}")
        return " · ".join(parts)


def _options(sql: str) -> list[str]:
    frame = data.query(sql)
    return [v for v in frame.to_series().to_list() if v is not None] if frame.height else []


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def data_range() -> tuple[date, date]:
    """First and last day with data (failure occurrences and incidents); the last 30 days when there is none."""
    if data.has_views("data_extent"):
        extent = data.query("SELECT first_ts::DATE AS lo, last_ts::DATE AS hi FROM data_extent")
        if extent.height and extent["lo"][0] and extent["hi"][0]:
            return extent["lo"][0], extent["hi"][0]
    today = date.today()
    return today - timedelta(days=30), today


def _options_for(key: str) -> list[str]:
    if key == "tool":
        authors = (_options("SELECT DISTINCT author FROM failure_events WHERE author IS NOT NULL "
                            f"AND author <> '{HUMAN}' ORDER BY 1") if data.has_views("failure_events") else [])
        return [*authors, HUMAN]
    if not data.has_views("failure_events"):
        return []
    if key == "service":  # incidents name services too (maybe one without failures)
        return _options("SELECT service FROM failure_events UNION SELECT unnest(services) FROM incidents ORDER BY 1")
    column = {"env": "environment", "release": "release"}[key]
    return _options(f"SELECT DISTINCT {column} FROM failure_events ORDER BY 1")


def sidebar_filters(applicable: tuple[str, ...]) -> Filters:
    """Draw the filters that apply to this page; returns them (the others empty).

    Values come from the query parameters, else from the values picked on an earlier page of the session, else
    the defaults (the whole data, nothing selected). Non-default values are written back to the URL.
    """
    qp = st.query_params
    saved: dict = st.session_state.setdefault(_SAVED, {})
    lo, hi = data_range()
    start = _parse_date(qp.get("start")) or saved.get("start") or lo
    end = _parse_date(qp.get("end")) or saved.get("end") or hi
    chosen: dict[str, list[str]] = {}
    for key in MULTI_KEYS:
        chosen[key] = qp.get_all(key) or saved.get(key, [])

    sb = st.sidebar
    if applicable:
        sb.header("Filters")
    else:
        sb.caption("The sidebar filters do not apply to this page.")
    if "range" in applicable:
        picked = sb.date_input("Time range", value=(start, end), key="f_range",
                               help=f"Data from {lo.isoformat()} to {hi.isoformat()} (events and incidents).")
        if isinstance(picked, (tuple, list)) and len(picked) == 2:
            start, end = picked
    for key, label in MULTI_KEYS.items():
        if key in applicable:
            options = _options_for(key)
            current = [v for v in chosen[key] if v in options]
            chosen[key] = sb.multiselect(label, options, default=current, key=f"f_{key}")

    saved.update(start=start, end=end, **chosen)
    default_range = (start, end) == (lo, hi)
    for key, value in (("start", start.isoformat()), ("end", end.isoformat())):
        if default_range:
            qp.pop(key, None)
        else:
            qp[key] = value
    for key, values in chosen.items():
        if values:
            qp[key] = values
        elif key in qp:
            del qp[key]

    def applied(key: str) -> tuple[str, ...]:
        return tuple(chosen[key]) if key in applicable else ()

    return Filters(start if "range" in applicable else lo, end if "range" in applicable else hi,
                   applied("service"), applied("env"), applied("release"), applied("tool"),
                   default_range=default_range or "range" not in applicable)
