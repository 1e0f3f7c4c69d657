"""The sidebar filters, shared by every page through the URL's query parameters.

A view is bookmarkable: `?start=2026-11-01&end=2026-11-20&service=shop-api&tool=claude_code`. Every filter
becomes a parameterised SQL predicate (`Filters.events_where`), never string-formatted user input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import streamlit as st

from dashboards import data

MULTI_KEYS = {"service": "Service", "env": "Environment", "release": "Release", "tool": "AI tool"}


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    services: tuple[str, ...] = field(default=())
    environments: tuple[str, ...] = field(default=())
    releases: tuple[str, ...] = field(default=())
    tools: tuple[str, ...] = field(default=())

    def events_where(self, alias: str = "") -> tuple[str, list]:
        """SQL predicate + parameters over an `events`-shaped relation (ts, service, environment, release)."""
        p = f"{alias}." if alias else ""
        clauses = [f"{p}ts >= ?", f"{p}ts < ?"]
        params: list = [self.start, self.end + timedelta(days=1)]
        for column, values in (("service", self.services), ("environment", self.environments),
                               ("release", self.releases)):
            if values:
                clauses.append(f"{p}{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        return " AND ".join(clauses), params

    def tool_where(self, column: str = "ai_tool") -> tuple[str, list]:
        """Predicate for the AI-tool filter ('unknown/human' selects rows without a tool)."""
        if not self.tools:
            return "TRUE", []
        named = [t for t in self.tools if t != "unknown/human"]
        parts = []
        if named:
            parts.append(f"{column} IN ({', '.join('?' for _ in named)})")
        if "unknown/human" in self.tools:
            parts.append(f"{column} IS NULL")
        return "(" + " OR ".join(parts) + ")", named


def _options(sql: str) -> list[str]:
    frame = data.query(sql)
    return [v for v in frame.to_series().to_list() if v is not None] if frame.height else []


def _parse_date(text: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(text) if text else fallback
    except ValueError:
        return fallback


def sidebar_filters() -> Filters:
    """Draw the filters in the sidebar, seeded from and written back to the query parameters."""
    qp = st.query_params
    bounds = data.query("SELECT min(ts)::DATE AS lo, max(ts)::DATE AS hi FROM events") if data.has_views("events") else None
    hi = bounds["hi"][0] if bounds is not None and bounds.height and bounds["hi"][0] else date.today()
    lo = bounds["lo"][0] if bounds is not None and bounds.height and bounds["lo"][0] else hi - timedelta(days=30)
    default_start = max(lo, hi - timedelta(days=30))
    start = _parse_date(qp.get("start"), default_start)
    end = _parse_date(qp.get("end"), hi)

    sb = st.sidebar
    sb.header("Filters")
    picked = sb.date_input("Time range", value=(start, end), key="f_range")
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        start, end = picked
    have_events = data.has_views("events")
    options = {
        "service": _options("SELECT DISTINCT service FROM events ORDER BY 1") if have_events else [],
        "env": _options("SELECT DISTINCT environment FROM events ORDER BY 1") if have_events else [],
        "release": _options("SELECT DISTINCT release FROM events ORDER BY 1") if have_events else [],
        "tool": (_options("SELECT DISTINCT tool FROM ai_commits WHERE tool IS NOT NULL ORDER BY 1")
                 if data.has_views("ai_commits") else []) + ["unknown/human"],
    }
    chosen: dict[str, list[str]] = {}
    for key, label in MULTI_KEYS.items():
        current = [v for v in qp.get_all(key) if v in options[key]]
        chosen[key] = sb.multiselect(label, options[key], default=current, key=f"f_{key}")

    qp["start"], qp["end"] = start.isoformat(), end.isoformat()
    for key, values in chosen.items():
        if values:
            qp[key] = values
        elif key in qp:
            del qp[key]
    return Filters(start, end, tuple(chosen["service"]), tuple(chosen["env"]), tuple(chosen["release"]),
                   tuple(chosen["tool"]))
