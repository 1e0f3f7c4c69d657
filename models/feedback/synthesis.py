"""Rule synthesis: production evidence -> a rule pack (catalog + mined semgrep rules, ruff config).

`synthesize_rules(con, config)` is pure with respect to the warehouse (reads only); exporting and
recording the pack is `models.feedback.pack`.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import textwrap
from dataclasses import dataclass, field

import duckdb

from models.config import Config
from models.feedback.catalog import BANNED_APIS, RUFF_CODES, SEMGREP_TEST_EXCLUDES, TITLES, load_catalog
from models.feedback.evidence import (
    ClassEvidence,
    ClusterImpact,
    SourceCache,
    example_locations,
    gather_evidence,
    repository_paths,
    severity_for,
)
from models.feedback.mining import Construct, extract_construct, map_line
from models.feedback.safety import safe_identifier
from models.warehouse import read_sql

MAX_EXAMPLE_LINES = 120


@dataclass
class Rule:
    rule_id: str
    engine: str  # 'semgrep' | 'ruff'
    origin: str  # 'catalog' | 'mined' | 'builtin'
    failure_class: str
    severity: str  # ERROR | WARNING | INFO
    severity_reason: str
    message: str
    cluster_ids: list[str]
    evidence: dict
    body: dict | None = None  # the semgrep rule mapping (semgrep rules only)
    example: str | None = None  # `# ruleid:` / `# ok:` annotated Python for `semgrep --test`
    constructs: list[str] = field(default_factory=list)  # what failed (mined rules)

    def manifest_entry(self) -> dict:
        return {
            "id": self.rule_id,
            "engine": self.engine,
            "origin": self.origin,
            "failure_class": self.failure_class,
            "severity": self.severity,
            "severity_reason": self.severity_reason,
            "clusters": self.cluster_ids,
            "tested": self.example is not None,
            "hash": hashlib.sha256(json.dumps(self.body or self.message, sort_keys=True).encode()).hexdigest()[:12],
        }


@dataclass
class RulePack:
    rules: list[Rule]
    evidence: dict[str, ClassEvidence]
    ruff_codes: list[str]
    banned_api: dict[str, str]  # dotted name -> message
    fixes: dict[str, list[tuple[str, str]]]  # class -> [(failing line, fixed line)] from real fixes
    version: str | None = None

    @property
    def semgrep_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.engine == "semgrep"]

    def semgrep_document(self) -> dict:
        return {"rules": [r.body for r in self.semgrep_rules]}

    def content_hash(self) -> str:
        doc = {"semgrep": self.semgrep_document(), "ruff": self.ruff_codes, "banned": self.banned_api}
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.rule_id == rule_id)


def _yaml_safe(obj):
    """semgrep's rule loader rejects floats and nulls anywhere in a rule: floats as strings, nulls left out
    (a class seen only in logs has no crash site, so no AI share)."""
    if isinstance(obj, float):
        return f"{obj:g}"
    if isinstance(obj, dict):
        return {k: _yaml_safe(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_yaml_safe(v) for v in obj]
    return obj


def _production_note(ev: ClassEvidence | ClusterImpact, clusters: list[str]) -> str:
    """A trusted sentence of numbers and ids describing what production showed."""
    first = ev.first_seen.date().isoformat() if ev.first_seen else "?"
    last = ev.last_seen.date().isoformat() if ev.last_seen else "?"
    events = ev.event_count
    incidents = ev.incident_count
    shown = ", ".join(clusters[:5]) + (" ..." if len(clusters) > 5 else "")
    note = f"In production: {events} event(s) in cluster(s) {shown}, {incidents} incident(s), seen {first} to {last}."
    share = ev.ai_share if isinstance(ev, ClassEvidence) else None
    if share is not None:
        note += f" {round(share * 100)}% of crash-site events ran AI-authored lines."
    return note


def _catalog_rule(cls: str, ev: ClassEvidence, demotions: dict[str, str]) -> Rule:
    cat = load_catalog()[cls]
    ids = [safe_identifier(c.cluster_id) for c in ev.clusters]
    severity, why = ev.severity()
    if cat.rule_id in demotions:
        severity, why = "INFO", f"demoted after evaluation: {demotions[cat.rule_id]}"
    body = copy.deepcopy(cat.rule)
    meta = body.setdefault("metadata", {})
    message = f"{cat.rule['message']} {_production_note(ev, ids)} Fix: {meta.get('fix', '')}".strip()
    body["message"] = message
    body["severity"] = severity
    body["paths"] = {"exclude": list(SEMGREP_TEST_EXCLUDES)}
    meta.update({"hindsight-origin": "catalog", "hindsight-evidence": _yaml_safe(ev.summary()),
                 "hindsight-severity-reason": why})
    example = cat.example_path.read_text(encoding="utf-8") if cat.example_path.exists() else None
    return Rule(cat.rule_id, "semgrep", "catalog", cls, severity, why, message, ids, ev.summary(), body, example)


def _snippet(source: str, line: int, extra_lines: tuple[int, ...] = ()) -> list[tuple[int, str]]:
    """(original line no, text) of the innermost statement at `line` (and at `extra_lines`), dedented."""
    tree = ast.parse(source)
    lines = source.splitlines()
    out: list[tuple[int, str]] = []
    for target in sorted({*extra_lines, line}):
        stmts = [n for n in ast.walk(tree) if isinstance(n, ast.stmt) and n.lineno <= target <= (n.end_lineno or 0)]
        if not stmts:
            continue
        stmt = max(stmts, key=lambda n: (n.lineno, -(n.end_lineno or 0)))
        block = textwrap.dedent("\n".join(lines[stmt.lineno - 1 : stmt.end_lineno])).splitlines()
        out += [(stmt.lineno + i, text) for i, text in enumerate(block) if (stmt.lineno + i) not in {n for n, _ in out}]
    return out


def _annotate(numbered: list[tuple[int, str]], marks: dict[int, str]) -> str:
    """Insert `# <mark>` lines above the lines numbered in `marks`, with their indentation."""
    out = []
    for n, text in numbered:
        if n in marks:
            indent = text[: len(text) - len(text.lstrip())]
            out.append(f"{indent}# {marks[n]}")
        out.append(text)
    return "\n".join(out)


def _function_lines(source: str, name: str | None, line: int) -> list[tuple[int, str]] | None:
    from models.feedback.mining import function_source

    found = function_source(source, name, line)
    if not found:
        return None
    text, start = found
    block = textwrap.dedent(text).splitlines()
    if len(block) > MAX_EXAMPLE_LINES:
        return None
    return [(start + i, t) for i, t in enumerate(block)]


def _mined_example(rule_id: str, cons: Construct, failing: str, fixed: tuple[str, int] | None, scoped: bool) -> str | None:
    """Annotated example: the failing construct (`# ruleid:`) and, when a fix exists, the fixed code (`# ok:`)."""
    try:
        if scoped:
            bad = _function_lines(failing, cons.function, cons.line)
        else:
            extra = ()
            if ":var" in cons.key:
                extra = tuple(_assign_lines(failing, cons.line))
            bad = _snippet(failing, cons.line, extra)
        if not bad or cons.line not in {n for n, _ in bad}:
            return None
        parts = ["# ruff: noqa", "# Mined from production crash sites; checked with `semgrep scan --test`.",
                 _annotate(bad, {cons.line: f"ruleid: {rule_id}"})]
        if fixed is not None:
            text, fixed_line = fixed
            if scoped:
                good = _function_lines(text, cons.function, fixed_line)
            else:
                extra = tuple(_assign_lines(text, fixed_line)) if ":var" in cons.key else ()
                good = _snippet(text, fixed_line, extra)
            if good and fixed_line in {n for n, _ in good}:
                parts.append(_annotate(good, {fixed_line: f"ok: {rule_id}"}))
        return "\n\n".join(parts) + "\n"
    except SyntaxError:
        return None


def _assign_lines(source: str, line: int) -> list[int]:
    """Lines of assignments feeding the names used at `line` (for variable-based constructs)."""
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and getattr(n, "lineno", 0) == line}
    best: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and node.lineno < line:
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id in names:
                    best[t.id] = max(best.get(t.id, 0), node.lineno)
    return sorted(best.values())


def _mined_rules(ev: ClassEvidence, sources: SourceCache, demotions: dict[str, str], fixes: list) -> list[Rule]:
    rules = []
    cat = load_catalog().get(ev.failure_class)
    for cluster in ev.clusters:
        constructs: dict[str, tuple[Construct, str, tuple[str, int] | None]] = {}
        for site in cluster.sites:
            text = sources.get(site.repo, site.revision, site.path)
            if text is None:
                continue
            cons = extract_construct(ev.failure_class, text, site.line)
            if cons is None or cons.key in constructs:
                continue
            fixed = None
            if site.fix_commit:
                fixed_text = sources.get(site.repo, site.fix_commit, site.path)
                # where the failing construct went in the fix (the construct line, not the crash line:
                # for naive datetimes the fix is on the `datetime.now()` line above the crash)
                mapped = map_line(text, fixed_text, cons.line) if fixed_text else None
                if mapped:
                    fixed = (fixed_text, mapped[0])
                    before = text.splitlines()[cons.line - 1]
                    after = fixed_text.splitlines()[mapped[0] - 1]
                    if before.strip() != after.strip():
                        fixes.append((before, after))
            constructs[cons.key] = (cons, text, fixed)
        if not constructs:
            continue
        cid = safe_identifier(cluster.cluster_id)
        rule_id = f"hindsight.mined.{ev.failure_class}.{cid.lower()}"
        severity, why = severity_for(cluster.event_count, cluster.incident_count, cluster.days_span)
        if rule_id in demotions:
            severity, why = "INFO", f"demoted after evaluation: {demotions[rule_id]}"
        descriptions = [c.description[:120] for c, _, _ in constructs.values()]  # code identifiers, capped
        locations = example_locations(cluster.sites)
        fix = cat.meta.get("fix", "") if cat else ""
        message = (
            f"This construct failed in production ({TITLES.get(ev.failure_class, ev.failure_class)}): "
            f"{'; '.join(descriptions[:4])}, e.g. at {', '.join(locations[:3])}. "
            f"{_production_note(cluster, [cid])} Fix: {fix}"
        )
        evidence = {
            "clusters": [cid],
            "events": cluster.event_count,
            "incidents": cluster.incident_count,
            "first_seen": cluster.first_seen.isoformat() if cluster.first_seen else None,
            "last_seen": cluster.last_seen.isoformat() if cluster.last_seen else None,
            "ai_share": ClassEvidence(ev.failure_class, [cluster]).ai_share,
            "crash_sites": len(cluster.sites),
            "examples": locations,
        }
        body = {
            "id": rule_id,
            "languages": ["python"],
            "severity": severity,
            "message": message,
            "metadata": {
                "hindsight-class": ev.failure_class,
                "hindsight-origin": "mined",
                "hindsight-evidence": _yaml_safe(evidence),
                "hindsight-severity-reason": why,
                **({"cwe": cat.meta["cwe"]} if cat and "cwe" in cat.meta else {}),
            },
            "paths": {"exclude": list(SEMGREP_TEST_EXCLUDES)},
            "pattern-either": [c.body for c, _, _ in constructs.values()],
        }
        examples = [
            _mined_example(rule_id, c, text, fixed, c.key.startswith("scoped:")) for c, text, fixed in constructs.values()
        ]
        example = "\n\n".join(e for e in examples if e) or None
        rules.append(Rule(rule_id, "semgrep", "mined", ev.failure_class, severity, why, message, [cid], evidence,
                          body, example, descriptions))
    return rules


def _ruff_rules(evidence: dict[str, ClassEvidence]) -> tuple[list[Rule], list[str], dict[str, str]]:
    """One ruff rule per class (its built-in codes) and one per banned API, messages citing the evidence."""
    rules, codes, banned = [], [], {}
    for cls, ev in evidence.items():
        severity, why = ev.severity()
        ids = [safe_identifier(c.cluster_id) for c in ev.clusters]
        note = _production_note(ev, ids)
        class_codes = RUFF_CODES.get(cls, ())
        if class_codes:
            codes += class_codes
            rules.append(Rule(f"ruff.{cls}", "ruff", "builtin", cls, severity, why,
                              f"ruff {', '.join(class_codes)} ({TITLES[cls]}). {note}", ids,
                              {**ev.summary(), "codes": list(class_codes)}))
        for api, why_banned in BANNED_APIS.get(cls, {}).items():
            msg = f"Hindsight: {api} {why_banned}. {note}"
            banned[api] = msg
            rules.append(Rule(f"ruff.TID251.{api}", "ruff", "catalog", cls, severity, why, msg, ids, ev.summary()))
    if banned:
        codes.append("TID251")
    return rules, sorted(set(codes)), banned


def load_demotions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute(read_sql("queries/feedback/select_latest_demotions")).fetchall())


def synthesize_rules(con: duckdb.DuckDBPyConnection, config: Config) -> RulePack:
    """Rules for every catalog failure class seen in production: catalog + mined semgrep rules, ruff config."""
    evidence = gather_evidence(con)
    demotions = load_demotions(con)
    sources = SourceCache(repository_paths(con, config))
    catalog = load_catalog()
    rules: list[Rule] = []
    fixes: dict[str, list[tuple[str, str]]] = {}
    for cls, ev in evidence.items():
        if cls in catalog:
            rules.append(_catalog_rule(cls, ev, demotions))
        rules += _mined_rules(ev, sources, demotions, fixes.setdefault(cls, []))
    ruff_rules, codes, banned = _ruff_rules(evidence)
    rules += ruff_rules
    return RulePack(rules=rules, evidence=evidence, ruff_codes=codes, banned_api=banned, fixes=fixes)
