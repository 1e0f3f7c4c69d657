"""A review rendered four ways: plain text, JSON, SARIF 2.1.0 and a Markdown pull-request comment.

Commit subjects, author names and paths are untrusted text: the Markdown renderer escapes every
Markdown/HTML control character and defuses @-mentions, so a commit message cannot inject links,
HTML or pings into the comment; SARIF carries them as JSON strings only.
"""

from __future__ import annotations

import json
import re

from models.feedback.sarif import SARIF_VERSION, validate_sarif
from models.risk.review import CHANGE_SET, Review, ScoredChange

RISK_RULE = "hindsight.change-risk"
LEVEL_SARIF = {"high": "error", "medium": "warning", "low": "note"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=])")


def md(text: object, limit: int = 120) -> str:
    """Untrusted text as inert Markdown: one line, escaped, mentions defused, length-capped."""
    s = " ".join(str(text or "").split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("@", "@\u200b").replace("&", "&amp;")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain(text: object, limit: int = 200) -> str:
    """Untrusted text for a terminal: control characters (escape sequences) removed, one line, capped."""
    s = " ".join(_CONTROL.sub(" ", str(text or "")).split())
    return s[: limit - 1] + "…" if len(s) > limit else s


def code(text: object, limit: int = 100) -> str:
    """Untrusted text inside a Markdown code span: no backticks, one line, length-capped."""
    s = " ".join(str(text or "").replace("`", "'").split())
    return s[: limit - 1] + "…" if len(s) > limit else s


def _pct(p: float) -> str:
    return f"{p:.0%}" if p >= 0.01 else f"{p:.1%}"


def _short(key: str) -> str:
    return "change set" if key == CHANGE_SET else key[:12]


def text(r: Review) -> str:
    title = (
        f"Change risk for {plain(r.repo)} {plain(r.base)}..{plain(r.head)} ({len(r.commits)} commits, model "
        f"v{r.model.get('version', '?')}, base rate {_pct(r.model.get('base_rate', 0))})"
    )
    lines = [title]
    if r.change_set:
        cs = r.change_set
        lines.append(
            f"change set: {cs.level.upper()} risk, {_pct(cs.probability)} probability of inducing a defect"
        )
        lines += [f"  - {plain(x['text'])}" for x in cs.reasons] or [
            "  - no feature raises the risk above an average change"
        ]
    lines.append("")
    lines.append("commits, riskiest first:")
    for c in r.commits:
        lines.append(f"  {c.key[:12]}  {c.level:<6} {_pct(c.probability):>6}  {plain(c.subject, 70)}")
        lines += [f"      - {plain(x['text'])}" for x in c.reasons[:3]]
    if r.findings:
        lines.append("")
        lines.append("rule-pack findings on added lines:")
        lines += [
            f"  {_short(f['sha'])} {plain(f['path'])}:{f['line']} {plain(f['rule_id'])}" for f in r.findings
        ]
    lines += [f"note: {plain(n, 400)}" for n in r.notes]
    return "\n".join(lines) + "\n"


def as_json(r: Review) -> str:
    return json.dumps(r.to_dict(), indent=2, default=str)


def _risk_result(c: ScoredChange, r: Review, location: dict | None) -> dict:
    why = "; ".join(x["text"] for x in c.reasons) or "no feature raises the risk above an average change"
    target = "the change set" if c.key == CHANGE_SET else f"commit {c.key[:12]}"
    res = {
        "ruleId": RISK_RULE,
        "ruleIndex": 0,
        "level": LEVEL_SARIF[c.level],
        "message": {"text": f"{c.level.upper()} change risk for {target}: {_pct(c.probability)} probability of "
                            f"inducing a defect. Why: {why}"},
        "properties": {"commit": c.key, "probability": round(c.probability, 4), "risk_level": c.level,
                       "reasons": c.reasons},
    }  # fmt: skip
    if location:
        res["locations"] = [location]
    return res


def _location(path: str, line: int) -> dict:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": path, "uriBaseId": "REPOROOT"},
            "region": {"startLine": max(int(line), 1)},
        }
    }


def sarif(r: Review) -> dict:
    """SARIF 2.1.0: one result per medium/high-risk change (at its largest added hunk), one per finding at head."""
    anchors = r.anchors
    rules = [{
        "id": RISK_RULE, "name": "ChangeRisk",
        "shortDescription": {"text": "Probability that a change induces a defect (just-in-time defect prediction)"},
        "fullDescription": {"text": "Calibrated per-repository model of this repository's history and production "
                                    "failures (Hindsight risk stage)."},
        "defaultConfiguration": {"level": "warning"},
    }]  # fmt: skip
    index = {RISK_RULE: 0}
    results = []
    for c in ([r.change_set] if r.change_set else []) + r.commits:
        if c.level == "low" and c.key != CHANGE_SET:
            continue
        anchor = anchors.get(c.key)
        results.append(_risk_result(c, r, _location(*anchor) if anchor else None))
    for f in r.findings:
        if f["sha"] != CHANGE_SET:
            continue  # per-commit findings are at older versions of the files; head's are the ones to show
        if f["rule_id"] not in index:
            index[f["rule_id"]] = len(rules)
            rules.append(
                {
                    "id": f["rule_id"],
                    "name": re.sub(r"[^A-Za-z0-9]", "_", f["rule_id"]),
                    "shortDescription": {"text": f.get("message") or f["rule_id"]},
                }
            )
        results.append(
            {
                "ruleId": f["rule_id"],
                "ruleIndex": index[f["rule_id"]],
                "level": "warning",
                "message": {"text": f"Hindsight rule pack: {f['rule_id']} on a line this change adds"},
                "locations": [_location(f["path"], f["line"])],
            }
        )
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": "hindsight-risk", "version": str(r.model.get("version", "0")), "rules": rules}},
            "automationDetails": {"id": f"hindsight-risk/{r.repo}/{r.head_sha[:12]}"},
            "originalUriBaseIds": {"REPOROOT": {"description": {"text": f"root of repository {r.repo}"}}},
            "results": results,
            "properties": {"base": r.base_sha, "head": r.head_sha, "merge_base": r.merge_base},
        }],
    }  # fmt: skip
    validate_sarif(doc)
    return doc


def markdown(r: Review, commit_url: str | None = None) -> str:
    """A pull-request comment. `commit_url` is a template with `{sha}` (e.g. https://github.com/o/r/commit/{sha})."""

    def link(sha: str) -> str:
        return f"[`{sha[:10]}`]({commit_url.format(sha=sha)})" if commit_url else f"`{sha[:10]}`"

    out = ["### Hindsight change risk", ""]
    if r.change_set:
        cs = r.change_set
        out.append(
            f"**{cs.level.upper()}** — {_pct(cs.probability)} probability that this change induces a defect "
            f"(an average change here: {_pct(r.model.get('base_rate', 0))})."
        )
        out.append("")
        if cs.reasons:
            out.append("Why:")
            out += [f"- {md(x['text'], 200)}" for x in cs.reasons]
        else:
            out.append("No feature raises the risk above an average change of this repository.")
        out.append("")
    if r.commits:
        out += ["| commit | risk | probability | subject | top reason |", "|---|---|---|---|---|"]
        for c in r.commits[:20]:
            top = md(c.reasons[0]["text"], 100) if c.reasons else ""
            out.append(f"| {link(c.key)} | {c.level} | {_pct(c.probability)} | {md(c.subject, 70)} | {top} |")
        if len(r.commits) > 20:
            out.append(f"| … | | | {len(r.commits) - 20} more commits | |")
        out.append("")
    head_findings = [f for f in r.findings if f["sha"] == CHANGE_SET]
    if head_findings:
        out.append(f"Rule-pack findings on added lines ({len(head_findings)}):")
        out += [
            f"- `{code(f['path'])}:{int(f['line'])}` — `{code(f['rule_id'], 80)}`" for f in head_findings[:20]
        ]
        out.append("")
    n, pos = r.model.get("n_train"), r.model.get("n_positive")
    trained = (
        f"trained on {n:,} commits of this repository, {pos:,} labelled defect-inducing"
        if n
        else "trained on this repository"
    )
    out.append(
        f"<sub>Hindsight risk model v{r.model.get('version', '?')}, {trained} (production failures and SZZ "
        "from fix commits; labels are noisy). Calibrated probability, reasons are the model's largest "
        "contributions.</sub>"
    )
    return "\n".join(out) + "\n"
