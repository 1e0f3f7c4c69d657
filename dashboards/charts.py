"""Every chart of the dashboard, as a plain Vega-Lite spec (a dict) drawn with `st.vega_lite_chart`.

Not Altair: building an Altair object tree and validating it (`to_dict`, which `st.altair_chart` runs) costs
50-100 ms per chart on every rerun, warm ones included, whose queries all hit the cache; a dict costs
microseconds and Streamlit sends the same `arrow_vega_lite_chart` element. A chart is a `Chart` (its rows and its
spec), made by one function here per figure and drawn by `draw`; pages prepare the rows, this module says how they
look. Field types are always explicit (`name:Q`), as Vega-Lite needs them without a dataframe to infer from.
"""

from __future__ import annotations

from typing import NamedTuple

import polars as pl
import streamlit as st

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
TYPES = {"N": "nominal", "Q": "quantitative", "T": "temporal", "O": "ordinal"}
AI_RED, HUMAN_GREY, BAR_BLUE = "#e4572e", "#6c7a89", "#4c78a8"
KIND_SCALE = {"domain": ["AI tool", "unknown/human"], "range": [AI_RED, HUMAN_GREY]}  # who wrote the crashing line
RISK_SCALE = {"domain": ["high", "medium", "low"], "range": [AI_RED, "#f3a712", "#9aa5b1"]}
RULE_SEVERITY_SCALE = {"domain": ["ERROR", "WARNING", "INFO"], "range": ["#b3261e", "#e8710a", "#8d99a6"]}


class Chart(NamedTuple):
    data: pl.DataFrame
    spec: dict


def field(shorthand: str, **props) -> dict:
    """A Vega-Lite field definition from `name:T` (T one of N Q T O; no type for x2/y2) and extra properties."""
    name, _, kind = shorthand.partition(":")
    return {"field": name, **({"type": TYPES[kind]} if kind else {}), **props}


def tooltip(*shorthands: str) -> list[dict]:
    return [field(s) for s in shorthands]


def draw(chart: Chart, width: str = "stretch") -> None:
    """Draw `chart`. Dates go as millisecond timestamps, as pandas would send them (Vega reads both)."""
    frame = chart.data.with_columns(pl.col(pl.Date).cast(pl.Datetime("ms")))
    st.vega_lite_chart(frame, {"$schema": SCHEMA, **chart.spec}, width=width)


def rate_intervals(rates: pl.DataFrame, title: str, min_lines: int) -> Chart:
    """Failing lines per 1,000 lines written (point) with its 95% Wilson interval (rule) per author, in the
    given row order; AI red, unknown/human grey; authors below `min_lines` written drawn as triangles."""
    unranked = f"< {min_lines} lines written"
    frame = rates.with_columns(
        pl.when(pl.col("ranked")).then(pl.lit("ranked")).otherwise(pl.lit(unranked)).alias("support"),
        pl.when(pl.col("is_ai")).then(pl.lit("AI tool")).otherwise(pl.lit("unknown/human")).alias("kind"),
        pl.format("{} of {} lines", "failing_lines", "lines_written").alias("label"))
    order = rates["author"].to_list()
    y = field("author:N", sort=order, title=None, axis={"labelLimit": 300})
    return Chart(frame, {"height": 60 + 34 * len(order), "layer": [
        {"mark": {"type": "rule", "strokeWidth": 2}, "encoding": {
            "x": field("ci_low_per_kloc:Q", title=title), "x2": field("ci_high_per_kloc"), "y": y,
            "color": field("kind:N", scale=KIND_SCALE, legend={"title": "crashing line by"})}},
        {"mark": {"type": "point", "filled": True, "size": 90}, "encoding": {
            "x": field("failing_lines_per_kloc:Q"), "y": y, "color": field("kind:N", scale=KIND_SCALE),
            "shape": field("support:N", scale={"domain": ["ranked", unranked], "range": ["circle", "triangle"]},
                           legend={"title": None}),
            "tooltip": tooltip("author:N", "failing_lines:Q", "lines_written:Q", "failing_lines_per_kloc:Q",
                               "ci_low_per_kloc:Q", "ci_high_per_kloc:Q", "events:Q", "blamed_commits:Q")}},
        {"mark": {"type": "text", "align": "left", "dx": 8, "dy": -9, "fontSize": 11, "color": "#444"},
         "encoding": {"x": field("failing_lines_per_kloc:Q"), "y": y, "text": field("label:N")}},
    ]})


def ai_share_by_release(health: pl.DataFrame) -> Chart:
    """Per release (in the given order): the share of blamed failures whose crashing line AI wrote, with its
    95% interval."""
    x = field("release:N", sort=health["release"].to_list(), title=None, axis={"labelAngle": 0})
    return Chart(health, {"height": 260, "layer": [
        {"mark": {"type": "rule", "strokeWidth": 2, "color": AI_RED}, "encoding": {
            "x": x, "y": field("ai_share_ci_low:Q", axis={"format": "%"}, title="AI-written share (95% CI)",
                               scale={"domain": [0, 1]}),
            "y2": field("ai_share_ci_high")}},
        {"mark": {"type": "point", "filled": True, "size": 80, "color": AI_RED}, "encoding": {
            "x": x, "y": field("ai_share:Q"),
            "tooltip": tooltip("release:N", "ai_events:Q", "blamed_events:Q", "ai_share:Q", "new_patterns:Q")}},
    ]})


def release_bars(health: pl.DataFrame) -> Chart:
    """Failure events per day while each release was the newest (bars, in the given order), labelled with the
    patterns first seen on it."""
    x = field("release:N", sort=health["release"].to_list(), title=None, axis={"labelAngle": 0})
    return Chart(health, {"height": 220, "layer": [
        {"mark": {"type": "bar", "color": BAR_BLUE}, "encoding": {
            "x": x, "y": field("events_per_day:Q", title="failure events per day live"),
            "tooltip": tooltip("release:N", "events:Q", "events_per_day:Q", "requests_per_day:Q", "patterns:Q",
                               "new_patterns:Q", "hours_live:Q")}},
        {"mark": {"type": "text", "dy": -8, "color": "#333"}, "transform": [{"filter": "datum.new_patterns > 0"}],
         "encoding": {"x": x, "y": field("events_per_day:Q"), "text": field("new_patterns:Q", format="+d")}},
    ]})


def pattern_cost_facets(series: pl.DataFrame, order: list[str]) -> Chart:
    """Requests per day of each pattern (rows: pattern, day, requests), one small area chart per pattern in
    `order`, each with its own y scale."""
    return Chart(series, {
        "facet": {"column": field("pattern:N", sort=order, title=None,
                                  header={"labelAlign": "left", "labelAnchor": "start", "labelFontSize": 11})},
        "spec": {"width": 150, "height": 120, "mark": {"type": "area", "opacity": 0.7, "line": True}, "encoding": {
            "x": field("day:T", title=None, axis={"format": "%b %d", "labelAngle": 0, "tickCount": 3}),
            "y": field("requests:Q", title="requests/day"),
            "tooltip": tooltip("pattern:N", "day:T", "requests:Q")}},
        "resolve": {"scale": {"y": "independent"}},
    })


def daily_bars(series: pl.DataFrame) -> Chart:
    """Events per day (rows: day, events, requests)."""
    return Chart(series, {"height": 150, "mark": {"type": "bar", "color": BAR_BLUE}, "encoding": {
        "x": field("day:T", title=None, axis={"format": "%b %d"}), "y": field("events:Q", title="events per day"),
        "tooltip": tooltip("day:T", "events:Q", "requests:Q")}})


def incident_timeline(bars: pl.DataFrame, severities: tuple[list[str], list[str]]) -> Chart:
    """One bar per incident from start to end (rows in the given order), coloured by severity (`severities`:
    domain and colours, ui.severity_scale); a diamond at the start keeps short incidents visible; ongoing ones are
    labelled at their end."""
    y = field("label:N", sort=None, title=None, axis={"labelLimit": 360})
    color = {"domain": severities[0], "range": severities[1]}
    return Chart(bars, {"height": 40 + 26 * bars.height, "layer": [
        {"mark": {"type": "bar", "size": 14, "cornerRadius": 2}, "encoding": {
            "x": field("started_at:T", title=None), "x2": field("ended_at"), "y": y,
            "color": field("severity:N", scale=color, title="severity"),
            "tooltip": tooltip("incident_id:N", "title:N", "severity:N", "status:N", "started_at:T", "ended_at:T",
                               "linked_clusters:Q")}},
        {"mark": {"type": "point", "filled": True, "size": 70, "shape": "diamond"}, "encoding": {
            "x": field("started_at:T"), "y": y, "color": field("severity:N", scale=color),
            "tooltip": tooltip("incident_id:N", "title:N", "severity:N", "started_at:T")}},
        {"mark": {"type": "text", "align": "right", "dx": -4, "fontSize": 11, "color": "#333"}, "encoding": {
            "x": field("ended_at:T"), "y": y, "text": field("state:N")}},
    ]})


def findings_at_head(noisy: pl.DataFrame, details: list[str]) -> Chart:
    """Findings at HEAD per rule (bars, most first), coloured by severity; `details` are the tooltip's fields."""
    kinds = {"heldout_recall": "Q", "own_site_recall": "Q", "head_findings": "Q", "noise_per_kloc": "Q"}
    shown = noisy.select(list(dict.fromkeys(["rule_id", "severity", "head_findings", *details])))
    return Chart(shown, {"height": 30 + 20 * noisy.height, "mark": {"type": "bar"}, "encoding": {
        "x": field("head_findings:Q", title="findings at HEAD", axis={"tickMinStep": 1}),
        "y": field("rule_id:N", sort="-x", title=None, axis={"labelLimit": 0, "labelOverlap": False}),
        "color": field("severity:N", scale=RULE_SEVERITY_SCALE),
        "tooltip": tooltip(*(f"{c}:{kinds.get(c, 'N')}" for c in details))}})


def risk_over_time(commits: pl.DataFrame) -> Chart:
    """Each commit's calibrated defect probability over time, coloured by risk level, shaped by its label."""
    return Chart(commits, {"mark": {"type": "circle", "size": 60}, "encoding": {
        "x": field("committed_at:T", title=None), "y": field("probability:Q", axis={"format": "%"}),
        "color": field("risk_level:N", scale=RISK_SCALE),
        "shape": field("labelled_defect:N", title="labelled defect-inducing"),
        "tooltip": tooltip("committed_at:T", "subject:N", "probability:Q", "risk_level:N")}})
