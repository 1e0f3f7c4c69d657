"""Reasons for a score: the features that pushed it up most, in words a reviewer can check.

A logistic model's decision is a sum of per-feature contributions (coefficient × standardized value),
so the reasons are exact, not a post-hoc approximation. Evidence lists (production clusters and
paths, rule ids, AI tools) come from the warehouse, never from commit text.
"""

from __future__ import annotations

import numpy as np

from models.risk.model import RiskModel

TOP_REASONS = 4
MIN_CONTRIBUTION = 0.05  # log-odds; smaller pushes are not worth a line

_TEXT = {
    "la": "adds {v:,.0f} lines (typical change here: {t:,.0f})",
    "ld": "deletes {v:,.0f} lines (typical: {t:,.0f})",
    "lt": "touches files of {v:,.0f} lines on average (typical: {t:,.0f})",
    "ns": "spans {v:,.0f} subsystems (top-level folders)",
    "nd": "spans {v:,.0f} directories (typical: {t:,.0f})",
    "nf": "changes {v:,.0f} file(s) (typical: {t:,.0f})",
    "entropy": "spreads its edits over its files (entropy {v:.2f})",
    "fix": "its message marks it as a fix",
    "ndev": "touches files {v:,.0f} developers changed before (typical: {t:,.0f})",
    "age": "touches files last changed {v:,.0f} days before on average (typical: {t:,.0f})",
    "nuc": "touches files with {v:,.0f} earlier changes (typical: {t:,.0f})",
    "exp": "its author made {v:,.0f} earlier commits here (typical: {t:,.0f})",
    "rexp": "its author's recent experience is {v:,.1f} (typical: {t:,.1f})",
    "sexp": "its author made {v:,.0f} earlier commits in these subsystems (typical: {t:,.0f})",
    "ai_lines": "{v:,.0f} added lines were written by AI tools",
    "prod_files": "touches {v:,.0f} file(s) where production failed before{paths}",
    "prod_functions": "changes {v:,.0f} function(s) that were production crash sites",
    "prod_clusters": "touches code of {v:,.0f} production failure cluster(s){clusters}",
    "prod_events": "the touched code failed {v:,.0f} times in production",
    "prod_incidents": "the touched code is linked to {v:,.0f} incident(s)",
    "pack_findings": "{v:,.0f} rule-pack finding(s) on added lines{rules}",
}


def _listing(values, limit: int = 4) -> str:
    values = list(values or [])
    if not values:
        return ""
    more = f", +{len(values) - limit} more" if len(values) > limit else ""
    return " (" + ", ".join(str(v) for v in values[:limit]) + more + ")"


def describe(feature: str, value: float, typical: float, evidence: dict | None = None) -> str:
    evidence = evidence or {}
    if feature.startswith("ai_lines_"):
        return f"{value:,.0f} added lines were written by {feature.removeprefix('ai_lines_')}"
    template = _TEXT.get(feature, feature + " = {v:,.2f}")
    return template.format(
        v=value, t=typical,
        paths=_listing(evidence.get("prod_paths")),
        clusters=_listing(evidence.get("prod_cluster_ids")),
        rules=_listing(evidence.get("pack_rules")),
    )  # fmt: skip


def explain(
    model: RiskModel, X: np.ndarray, evidence: list[dict] | None = None, top: int = TOP_REASONS
) -> list[list[dict]]:
    """Per row: up to `top` reasons [{feature, value, typical, contribution, text}], strongest first."""
    contrib = model.contributions(X)
    out = []
    for i in range(len(X)):
        order = np.argsort(-contrib[i])
        reasons = []
        for j in order[:top]:
            c = float(contrib[i, j])
            if c < MIN_CONTRIBUTION:
                break
            name = model.features[j]
            value, typical = float(X[i, j]), float(model.typical.get(name, 0.0))
            reason = {
                "feature": name, "value": value, "typical": typical, "contribution": round(c, 4),
                "text": describe(name, value, typical, evidence[i] if evidence else None),
            }  # fmt: skip
            ev = (evidence[i] if evidence else None) or {}
            if name.startswith("prod_") and ev.get("prod_cluster_ids"):
                reason["clusters"] = list(ev["prod_cluster_ids"])
            if name == "pack_findings" and ev.get("pack_rules"):
                reason["rules"] = list(ev["pack_rules"])
            reasons.append(reason)
        out.append(reasons)
    return out
